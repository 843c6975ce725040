import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './users.handlers.ts';
import * as routes from './users.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// The chain's result carries the routes' types (for hono/client); the middleware above still applies.
export default router
  .openapi(routes.list, handlers.list)
  .openapi(routes.invite, handlers.invite)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update);
