import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './tenant.handlers.ts';
import * as routes from './tenant.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// The chain's result carries the routes' types (for hono/client); the middleware above still applies.
export default router.openapi(routes.exportTenant, handlers.exportTenant).openapi(routes.deleteTenant, handlers.deleteTenant);
