import { createRouter } from '../../lib/openapi.ts';
import * as handlers from './stripe-webhook.handlers.ts';
import * as routes from './stripe-webhook.routes.ts';

/** No credential and no tenant context: Stripe's signature is the authentication, the stored customer link finds the tenant. */
export default createRouter().openapi(routes.receive, handlers.receive);
