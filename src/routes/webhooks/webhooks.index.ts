import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './webhooks.handlers.ts';
import * as routes from './webhooks.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// Fixed paths before /{id}, which would read "event-types" as an id. The chain's result carries the routes' types (for hono/client).
export default router
  .openapi(routes.eventTypesList, handlers.eventTypesList)
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.redeliver, handlers.redeliver)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.rotateSecret, handlers.rotateSecret)
  .openapi(routes.sendTest, handlers.sendTest)
  .openapi(routes.deliveries, handlers.deliveries);
