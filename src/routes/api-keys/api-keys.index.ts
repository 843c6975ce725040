import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './api-keys.handlers.ts';
import * as routes from './api-keys.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// The chain's result carries the routes' types (for hono/client); the middleware above still applies.
export default router
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.rotate, handlers.rotate)
  .openapi(routes.revoke, handlers.revoke);
