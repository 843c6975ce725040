import { describe, expect, it } from 'vitest';
import { slugFromHost } from '../../src/middleware/tenant.ts';

describe('slugFromHost', () => {
  const base = 'localhost';

  it('reads the slug from <slug>.<base> and api.<slug>.<base>', () => {
    expect(slugFromHost('acme.localhost', base)).toBe('acme');
    expect(slugFromHost('api.acme.localhost', base)).toBe('acme');
  });

  it('ignores the port and the case', () => {
    expect(slugFromHost('acme.localhost:8787', base)).toBe('acme');
    expect(slugFromHost('api.acme.localhost:443', base)).toBe('acme');
    expect(slugFromHost('ACME.LocalHost', base)).toBe('acme');
  });

  it('names no tenant for the bare API host, the base itself, www, or deeper names', () => {
    expect(slugFromHost('api.localhost', base)).toBeNull();
    expect(slugFromHost('www.localhost', base)).toBeNull();
    expect(slugFromHost('localhost', base)).toBeNull();
    expect(slugFromHost('localhost:8787', base)).toBeNull();
    expect(slugFromHost('x.api.acme.localhost', base)).toBeNull();
    expect(slugFromHost('acme.api.localhost', base)).toBeNull();
    expect(slugFromHost(undefined, base)).toBeNull();
    expect(slugFromHost('', base)).toBeNull();
  });

  it('names no tenant for foreign domains, including look-alikes', () => {
    expect(slugFromHost('evil.com', base)).toBeNull();
    expect(slugFromHost('acme.evil.com', base)).toBeNull();
    expect(slugFromHost('acme.localhost.evil.com', base)).toBeNull();
    expect(slugFromHost('acmelocalhost', base)).toBeNull();
    expect(slugFromHost('acme.notlocalhost', base)).toBeNull();
  });

  it('honours a custom base domain', () => {
    const custom = 'crm.example.com';
    expect(slugFromHost('acme.crm.example.com', custom)).toBe('acme');
    expect(slugFromHost('api.acme.crm.example.com', custom)).toBe('acme');
    expect(slugFromHost('acme.crm.example.com:8443', custom)).toBe('acme');
    expect(slugFromHost('api.crm.example.com', custom)).toBeNull();
    expect(slugFromHost('crm.example.com', custom)).toBeNull();
    expect(slugFromHost('acme.example.com', custom)).toBeNull();
    expect(slugFromHost('acme.localhost', custom)).toBeNull();
    expect(slugFromHost('acme.CRM.Example.com', 'Crm.Example.COM')).toBe('acme');
  });
});
