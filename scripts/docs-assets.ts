/**
 * Copies Scalar's browser bundle (@scalar/api-reference, pinned in
 * package.json) into the Workers static-assets directory (wrangler.toml
 * [assets]), so /docs works without a CDN on Workers too. Run by
 * `npm run build:worker` and `npm run dev:worker`.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SCALAR_BUNDLE_PATH } from '../src/lib/docs-bundle.ts';

export const DOCS_ASSETS_DIR = 'dist/assets';

export function copyDocsAssets(root = process.cwd()): string {
  const source = createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js');
  const target = join(root, DOCS_ASSETS_DIR, SCALAR_BUNDLE_PATH);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  return target;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--help')) {
    console.log(
      `Usage: tsx scripts/docs-assets.ts\n  copies @scalar/api-reference's standalone bundle to ${DOCS_ASSETS_DIR}${SCALAR_BUNDLE_PATH} (Workers static assets)`,
    );
    process.exit(0);
  }
  const target = copyDocsAssets();
  console.log(`Docs assets: ${target} (${(statSync(target).size / 1024 / 1024).toFixed(1)} MiB)`);
}
