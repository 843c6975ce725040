import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './security-events.handlers.ts';
import * as routes from './security-events.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// The chain's result carries the routes' types (for hono/client).
export default router.openapi(routes.exportCsv, handlers.exportCsv).openapi(routes.list, handlers.list);
