import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { notifyTenantAdmins } from '../../src/lib/notify-admins.ts';
import { createHarness, demoEmail, type Harness } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

describe('notifyTenantAdmins', () => {
  it('emails every active tenant_admin of that tenant only, and skips inactive admins', async () => {
    const acme = await h.tenantId('acme');
    await h.raw.query(
      `insert into users (tenant_id, email, name, role, status) values ($1, 'second-admin@acme.example', 'Second', 'tenant_admin', 'active'),
       ($1, 'gone-admin@acme.example', 'Gone', 'tenant_admin', 'inactive'), ($1, 'new-admin@acme.example', 'New', 'tenant_admin', 'invited')`,
      [acme],
    );
    h.emails.length = 0;
    const logger = createLogger('silent');
    const sent = await notifyTenantAdmins({ db: h.db, notifier: { sendEmail: async (m) => void h.emails.push(m) }, logger }, acme, {
      subject: 'Webhook endpoint disabled',
      text: 'It failed for a day.',
    });
    expect(sent).toBe(2);
    expect(h.emails.map((e) => e.to).sort()).toEqual([demoEmail('acme', 'tenant_admin'), 'second-admin@acme.example'].sort());
    expect(h.emails.every((e) => e.subject === 'Webhook endpoint disabled' && e.text === 'It failed for a day.')).toBe(true);
  });

  it('never throws: a provider failure is logged without addresses and counted out', async () => {
    const other = await h.tenantId('mycompany');
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l));
    const sent = await notifyTenantAdmins({ db: h.db, notifier: { sendEmail: async () => Promise.reject(new Error('provider down')) }, logger }, other, {
      subject: 'Alert',
      text: 'x',
    });
    expect(sent).toBe(0);
    expect(lines.join('\n')).toContain('admin notification failed');
    expect(lines.join('\n')).not.toContain('@mycompany.example');
  });
});
