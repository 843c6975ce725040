import { createRouter } from '../../lib/openapi.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import * as handlers from './privacy.handlers.ts';
import * as routes from './privacy.routes.ts';

const router = createRouter();
router.use('*', authenticate);
// The chain's result carries the route's type (for hono/client).
export default router.openapi(routes.erase, handlers.erase);
