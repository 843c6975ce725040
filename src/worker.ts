import type { ExecutionContext } from 'hono';
import type { App } from './app.ts';

/**
 * Cloudflare Workers entry. Its startup imports nothing: zod (the config),
 * drizzle's schema, the Neon driver and the routers load on an isolate's
 * first event (src/worker-bindings.ts wires the bindings; src/app.ts loads on
 * the first request only, so cron-only isolates never build the routes).
 * BENCHMARKS.md shows the startup and what the first request pays instead.
 */
export type WorkerEnv = Record<string, unknown>;

const runtime = () => import('./worker-bindings.ts');
// One app per isolate, keyed by the env object (workerd hands every request the same one).
const apps = new WeakMap<object, Promise<App>>();

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let app = apps.get(env);
    if (!app) {
      app = runtime().then(({ buildApp }) => buildApp(env));
      apps.set(env, app);
      // A failed build is not kept: the next request tries again.
      app.catch(() => apps.delete(env));
    }
    return app.then(
      (built) => built.fetch(request, env, ctx),
      (err: unknown) => {
        // The message names the missing or invalid bindings, never their values.
        console.error(String((err as Error).message ?? err));
        return Response.json(
          { error: 'internal_error', message: 'The service is misconfigured', requestId: crypto.randomUUID(), timestamp: new Date().toISOString() },
          { status: 500 },
        );
      },
    );
  },

  scheduled(controller: { cron: string }, env: WorkerEnv, ctx: ExecutionContext): void {
    ctx.waitUntil(runtime().then(({ runScheduled }) => runScheduled(controller.cron, env)));
  },
};
