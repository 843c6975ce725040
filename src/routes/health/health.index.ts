import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../lib/errors.ts';
import { createRouter, errorResponses, jsonContent } from '../../lib/openapi.ts';

const status = z.object({ status: z.string().openapi({ example: 'ok' }) });

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Operations'],
  summary: 'Liveness',
  responses: { 200: jsonContent(status, 'The process is up') },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['Operations'],
  summary: 'Readiness: the database answers',
  responses: { 200: jsonContent(status, 'Ready to serve'), 503: errorResponses(503)[503]! },
});

const router = createRouter()
  .openapi(health, (c) => c.json({ status: 'ok' }, 200))
  .openapi(ready, async (c) => {
    try {
      await c.get('deps').db.ping();
    } catch {
      throw new ApiError('service_unavailable', 'Database unreachable');
    }
    return c.json({ status: 'ready' }, 200);
  });

export default router;
