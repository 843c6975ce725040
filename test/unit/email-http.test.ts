import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { deliver, emails } from '../../src/lib/emails.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { httpNotifier, notifierFromConfig } from '../../src/lib/notifier.ts';

const BASE_ENV = { JWT_SECRET: 'unit-test-jwt-secret-long-enough-0123456789', PLATFORM_ADMIN_KEY: 'unit-test-platform-key-long-enough-01234567' };
const TOKEN = 're_secret_token_never_logged_123';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A local stand-in for the provider's POST /emails: records requests, answers as `reply` says. */
let server: Server;
let url: string;
const received: Received[] = [];
let reply: (res: ServerResponse) => void = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"em_1"}');

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: JSON.parse(raw || 'null') });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/emails`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', (l) => lines.push(l)) };
}

describe('HTTP email provider', () => {
  it("posts Resend's {from, to, subject, text} with the bearer token", async () => {
    received.length = 0;
    const { logger } = capture();
    const notifier = httpNotifier({ url, token: TOKEN, from: 'CRM <no-reply@crm.test>', timeoutMs: 2000, logger });
    await notifier.sendEmail({ to: 'ada@acme.example', subject: 'Hello', text: 'Body' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'POST',
      path: '/emails',
      body: { from: 'CRM <no-reply@crm.test>', to: ['ada@acme.example'], subject: 'Hello', text: 'Body' },
    });
    expect(received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(received[0]?.headers['content-type']).toBe('application/json');
  });

  it('rejects on a non-2xx answer and logs the status, never the token, recipient or body', async () => {
    reply = (res) => res.writeHead(422, { 'content-type': 'application/json' }).end(`{"message":"bad key ${TOKEN}"}`);
    const { lines, logger } = capture();
    const notifier = httpNotifier({ url, token: TOKEN, from: 'no-reply@crm.test', timeoutMs: 2000, logger });
    await expect(notifier.sendEmail({ to: 'ada@acme.example', subject: 'S', text: 'secret body' })).rejects.toThrow('answered 422');
    const log = lines.join('\n');
    expect(log).toContain('"status":422');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('ada@acme.example');
    expect(log).not.toContain('secret body');
  });

  it('gives up after the timeout', async () => {
    reply = (res) => setTimeout(() => res.writeHead(200).end('{}'), 1500);
    const { lines, logger } = capture();
    const notifier = httpNotifier({ url, token: TOKEN, from: 'no-reply@crm.test', timeoutMs: 200, logger });
    const started = Date.now();
    await expect(notifier.sendEmail({ to: 'ada@acme.example', subject: 'S', text: 'T' })).rejects.toThrow('timed out after 200 ms');
    expect(Date.now() - started).toBeLessThan(1200);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('deliver() swallows a provider failure so the triggering request still succeeds', async () => {
    const { lines, logger } = capture();
    const failing = httpNotifier({ url: 'http://127.0.0.1:1/emails', from: 'no-reply@crm.test', timeoutMs: 500, logger });
    expect(
      await deliver(
        { notifier: failing, logger },
        { to: 'ada@acme.example', ...emails.passwordReset({ tenantName: 'Acme', resetUrl: 'http://x/r?token=t', expiresAt: 'soon' }) },
      ),
    ).toBe(false);
    expect(lines.join('\n')).toContain('email not delivered');
  });
});

describe('email provider configuration', () => {
  it('is the console provider by default and the HTTP one when EMAIL_PROVIDER=http', async () => {
    const { lines, logger } = capture();
    reply = (res) => res.writeHead(202).end('{}');
    received.length = 0;
    await notifierFromConfig(loadConfig(BASE_ENV), logger).sendEmail({ to: 'x@y.test', subject: 'dev', text: 'logged' });
    expect(received).toHaveLength(0);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ msg: 'email', email: { to: 'x@y.test', subject: 'dev', text: 'logged' } });
    const http = notifierFromConfig(
      loadConfig({ ...BASE_ENV, EMAIL_PROVIDER: 'http', EMAIL_HTTP_URL: url, EMAIL_FROM: 'a@b.test', EMAIL_HTTP_TOKEN: TOKEN }),
      logger,
    );
    await http.sendEmail({ to: 'x@y.test', subject: 's', text: 't' });
    expect(received).toHaveLength(1);
  });

  it('refuses EMAIL_PROVIDER=http without a URL or sender', () => {
    expect(() => loadConfig({ ...BASE_ENV, EMAIL_PROVIDER: 'http' })).toThrow(/EMAIL_HTTP_URL: missing \(required when EMAIL_PROVIDER=http\)[\s\S]*EMAIL_FROM/);
    expect(() => loadConfig({ ...BASE_ENV, EMAIL_PROVIDER: 'smtp' })).toThrow(/EMAIL_PROVIDER/);
  });
});
