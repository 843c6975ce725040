import { createRouter } from '../../lib/openapi.ts';
import { platformAuth } from '../../middleware/platform-auth.ts';
import * as handlers from './platform.handlers.ts';
import * as routes from './platform.routes.ts';

/** The platform operators' API: authenticated by PLATFORM_ADMIN_KEY, never by a tenant credential. */
const router = createRouter();
router.use('*', platformAuth);
// The chain's result carries the routes' types (for hono/client); the middleware above still applies.
export default router.openapi(routes.list, handlers.list).openapi(routes.get, handlers.get).openapi(routes.update, handlers.update);
