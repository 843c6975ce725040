import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './reports.handlers.ts';
import * as routes from './reports.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// The chain's result carries the routes' types (for hono/client).
export default router.openapi(routes.pipeline, handlers.pipeline).openapi(routes.funnel, handlers.funnel).openapi(routes.activity, handlers.activity);
