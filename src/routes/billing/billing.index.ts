import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import { idempotency } from '../../middleware/idempotency.ts';
import * as handlers from './billing.handlers.ts';
import * as routes from './billing.routes.ts';

const router = createRouter();
router.use('*', authenticate, idempotency);
// The chain's result carries the routes' types (for hono/client); the middleware above still applies.
export default router.openapi(routes.get, handlers.get).openapi(routes.checkout, handlers.checkout).openapi(routes.portal, handlers.portal);
