import { afterEach, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { TokenService } from '../../src/lib/tokens.ts';
import { TEST_ENV } from '../harness.ts';

afterEach(() => vi.useRealTimers());

const claims = { userId: '6f1c1c1e-0000-4000-8000-000000000001', tenantId: '6f1c1c1e-0000-4000-8000-000000000002', role: 'manager' as const, tokenVersion: 3 };

it('a verified access token is served from memory until it expires, then refused as expired', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-06-01T00:00:00Z'));
  const tokens = new TokenService(loadConfig({ ...TEST_ENV, ACCESS_TOKEN_TTL_SECONDS: '60' }));
  const token = await tokens.signAccess(claims);
  expect(await tokens.verifyAccess(token)).toEqual(claims);
  const subtle = vi.spyOn(crypto.subtle, 'verify');
  expect(await tokens.verifyAccess(token)).toEqual(claims);
  expect(subtle).not.toHaveBeenCalled();
  vi.setSystemTime(new Date('2026-06-01T00:01:06Z'));
  await expect(tokens.verifyAccess(token)).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/expired/i) });
});

it('a token with one byte changed is verified on its own and refused', async () => {
  const tokens = new TokenService(loadConfig({ ...TEST_ENV }));
  const token = await tokens.signAccess(claims);
  await tokens.verifyAccess(token);
  const tampered = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
  await expect(tokens.verifyAccess(tampered)).rejects.toMatchObject({ code: 'unauthorized' });
});
