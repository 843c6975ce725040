import { createRouter } from '../../lib/openapi.ts';
import * as handlers from './auth.handlers.ts';
import * as routes from './auth.routes.ts';

const router = createRouter()
  .openapi(routes.register, handlers.register)
  .openapi(routes.login, handlers.login)
  .openapi(routes.refresh, handlers.refresh)
  .openapi(routes.logout, handlers.logout)
  .openapi(routes.me, handlers.me)
  .openapi(routes.acceptInvitation, handlers.acceptInvitation);

export default router;
