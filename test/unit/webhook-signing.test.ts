import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, newMessageId, newWebhookSecret, signWebhook } from '../../src/lib/webhook-signing.ts';

describe('Standard Webhooks signing', () => {
  it('matches the specification example', async () => {
    // The example from the Standard Webhooks specification.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(await signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('agrees with node:crypto for random secrets and bodies', async () => {
    for (let i = 0; i < 20; i++) {
      const secret = newWebhookSecret();
      const id = newMessageId();
      const body = JSON.stringify({ n: Math.random(), text: 'é\u2028"' });
      const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
        .update(`${id}.1700000000.${body}`)
        .digest('base64');
      expect(await signWebhook(secret, id, 1700000000, body)).toBe(`v1,${expected}`);
    }
  });

  it('makes fresh secrets and message ids', () => {
    expect(newWebhookSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newWebhookSecret()).not.toBe(newWebhookSecret());
    expect(newMessageId()).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});

describe('secrets at rest', () => {
  const key = 'k'.repeat(40);
  const tenant = '8f8d2a3e-5b1c-4d7e-9f60-1a2b3c4d5e6f';

  it('round-trips, with a fresh IV each time', async () => {
    const secret = newWebhookSecret();
    const a = await encryptSecret(key, tenant, secret);
    const b = await encryptSecret(key, tenant, secret);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret.slice(6, 20));
    expect(await decryptSecret(key, tenant, a)).toBe(secret);
  });

  it('does not decrypt with another key or for another tenant', async () => {
    const sealed = await encryptSecret(key, tenant, newWebhookSecret());
    await expect(decryptSecret('x'.repeat(40), tenant, sealed)).rejects.toThrow();
    await expect(decryptSecret(key, '00000000-0000-4000-8000-000000000000', sealed)).rejects.toThrow();
    await expect(decryptSecret(key, tenant, 'v2.abc.def')).rejects.toThrow('unknown webhook secret format');
  });
});
