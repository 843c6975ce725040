import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import { idempotency } from '../../middleware/idempotency.ts';
import * as handlers from './billing.handlers.ts';
import * as routes from './billing.routes.ts';

const router = createRouter();
router.use('*', authenticate, idempotency);
router.openapi(routes.get, handlers.get).openapi(routes.checkout, handlers.checkout).openapi(routes.portal, handlers.portal);

export default router;
