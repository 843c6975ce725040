import { fileURLToPath } from 'node:url';

/** Where drizzle-kit writes migrations; resolved from this file so any working directory works. */
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
