import { createRouter } from '../../../lib/openapi.ts';
import { authenticate } from '../../../middleware/authenticate.ts';
import { idempotency } from '../../../middleware/idempotency.ts';
import * as handlers from './pipelines.handlers.ts';
import * as routes from './pipelines.routes.ts';

const router = createRouter();
router.use('*', authenticate, idempotency);
// The chain's result carries the routes' types (for hono/client); the middleware above still applies.
export default router
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove);
