import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, root, startDevServer } from '../e2e/dev-server.ts';

/**
 * /docs in a real browser (Debian's Chromium, headless) against the dev
 * server: the reference renders offline (every request the page makes stays
 * on this origin), lists the operations, and "Test Request" on the login
 * operation logs in with the demo credentials from the document's example.
 * Screenshots go to test/artifacts/ (gitignored).
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(root, 'test', 'artifacts');

let skipReason: string | undefined;
if (!existsSync(CHROMIUM)) {
  // .ci/run installs it; in CI a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run should have installed Debian's chromium package`);
  skipReason = `${CHROMIUM} not found (apt-get install -y chromium)`;
  console.warn(`[browser] skipped: ${skipReason}`);
}

describe.skipIf(skipReason)('API reference (/docs) in Chromium', () => {
  let server: DevServer | undefined;
  let browser: Browser | undefined;
  const offOrigin: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [server, browser] = await Promise.all([
      startDevServer(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders the operations from this origin only and logs in through "Test Request"', async () => {
    const base = server?.base as string;
    const context = await browser!.newContext({ viewport: { width: 1400, height: 900 } });
    // The machine has no internet: anything off-origin is recorded and refused, and must not happen.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`)) return route.continue();
      offOrigin.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    const started = Date.now();
    const bundle = page.waitForResponse(`${base}/docs/scalar.js`);
    await page.goto(`${base}/docs`);
    expect((await bundle).status()).toBe(200);
    await page.getByRole('button', { name: /Test Request\s*\(get \/health\)/ }).waitFor({ timeout: 30_000 });
    console.log(`[browser] /docs rendered in ${Date.now() - started} ms`);

    // The sidebar groups operations by tag; Auth lists the login operation.
    const sidebar = page.locator('aside, nav').first();
    for (const tag of ['Auth', 'Users', 'Leads', 'Contacts', 'Accounts', 'Deals', 'Models']) {
      await expect(sidebar.getByText(tag, { exact: true }).first().isVisible(), tag).resolves.toBe(true);
    }
    await sidebar.getByText('Auth', { exact: true }).first().click();
    await page.getByText('Log in with email and password').first().click();
    await page.screenshot({ path: join(ARTIFACTS, 'docs-overview.png') });

    // Try the login operation from the page: its body is the document's example (the demo login).
    await page.getByRole('button', { name: /Test Request\s*\(post \/api\/auth\/login\)/ }).click();
    const login = page.waitForResponse((res) => res.url() === `${base}/api/auth/login` && res.request().method() === 'POST');
    await page.getByRole('button', { name: /Send post request/ }).click();
    const res = await login;
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { data: { user: { email: string }; tokens: { accessToken: string } } };
    expect(body.data.user.email).toBe('admin@acme.example');
    expect(body.data.tokens.accessToken).toMatch(/^ey/);
    // ...and the client panel shows the result.
    await page.getByText('200 OK').first().waitFor();
    await page.getByText('"accessToken"').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'docs-test-request.png') });

    expect(offOrigin).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 90_000);
});
