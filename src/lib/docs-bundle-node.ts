import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** Node and Deno: Scalar's browser bundle straight from node_modules (see src/routes/docs). */
export async function readScalarBundle(): Promise<Uint8Array<ArrayBuffer>> {
  const path = createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js');
  return new Uint8Array(await readFile(path));
}
