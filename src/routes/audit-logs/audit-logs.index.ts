import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './audit-logs.handlers.ts';
import * as routes from './audit-logs.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// The chain's result carries the routes' types (for hono/client).
export default router.openapi(routes.verify, handlers.verify).openapi(routes.exportCsv, handlers.exportCsv).openapi(routes.list, handlers.list);
