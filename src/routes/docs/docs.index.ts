import { Scalar } from '@scalar/hono-api-reference';
import { type DocsBundleLoader, SCALAR_BUNDLE_PATH } from '../../lib/docs-bundle.ts';
import { createRouter } from '../../lib/openapi.ts';

/**
 * GET /docs, the interactive API reference (Scalar) for /openapi.json, and
 * the bundle it runs. The bundle comes from this origin so the page works
 * offline; only a runtime without a loader falls back to Scalar's public CDN.
 */
export function docsRoutes(loadBundle: DocsBundleLoader | undefined) {
  const router = createRouter();
  router.get(
    '/docs',
    Scalar({
      url: '/openapi.json',
      pageTitle: 'CRM Edge API reference',
      ...(loadBundle && { cdn: SCALAR_BUNDLE_PATH }),
      // Self-contained: the default fonts, telemetry, the AI agent and the
      // developer toolbar would all call Scalar's hosted services.
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      showDeveloperTools: 'never',
      authentication: { preferredSecurityScheme: 'bearerAuth' },
    }),
  );
  if (loadBundle) {
    // ~3.5 MB read once per process (isolate on Workers); a failed read is retried on the next request.
    let bundle: ReturnType<DocsBundleLoader> | undefined;
    router.get(SCALAR_BUNDLE_PATH, async (c) => {
      bundle ??= loadBundle().catch((err: unknown) => {
        bundle = undefined;
        throw err;
      });
      return c.body(await bundle, 200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=3600',
      });
    });
  }
  return router;
}
