import { createRouter } from '../../lib/openapi.ts';
import * as handlers from './auth.handlers.ts';
import * as routes from './auth.routes.ts';
import * as passwordHandlers from './password.handlers.ts';
import * as passwordRoutes from './password.routes.ts';

const router = createRouter()
  .openapi(routes.register, handlers.register)
  .openapi(routes.login, handlers.login)
  .openapi(routes.refresh, handlers.refresh)
  .openapi(routes.logout, handlers.logout)
  .openapi(routes.me, handlers.me)
  .openapi(routes.acceptInvitation, handlers.acceptInvitation)
  .openapi(passwordRoutes.forgotPassword, passwordHandlers.forgotPassword)
  .openapi(passwordRoutes.resetPassword, passwordHandlers.resetPassword);

export default router;
