import { createRouter } from '../../../lib/openapi.ts';

// Placeholder until the resource's routes land (issue 3).
const router = createRouter();

export default router;
