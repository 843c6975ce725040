/**
 * Where /docs loads Scalar's browser bundle from when this origin serves it,
 * and how a runtime reads it. Kept apart from src/routes/docs so the Worker
 * entry can use them without loading any router.
 */
export const SCALAR_BUNDLE_PATH = '/docs/scalar.js';

/**
 * Reads the standalone browser bundle of `@scalar/api-reference` (pinned in
 * package.json). Node and Deno read it from node_modules; Workers from the
 * static-assets binding.
 */
export type DocsBundleLoader = () => Promise<Uint8Array<ArrayBuffer> | ArrayBuffer | string>;
