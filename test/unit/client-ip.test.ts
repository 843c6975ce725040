import { describe, expect, it } from 'vitest';
import { clientIp } from '../../src/lib/client-ip.ts';

const proxies = ['10.0.0.1', '10.0.0.2'];

describe('clientIp', () => {
  it('ignores a spoofed X-Forwarded-For from an untrusted peer', () => {
    expect(clientIp('203.0.113.5', '1.2.3.4', [])).toBe('203.0.113.5');
    expect(clientIp('203.0.113.5', '1.2.3.4', proxies)).toBe('203.0.113.5');
    expect(clientIp('203.0.113.5', '10.0.0.1', proxies)).toBe('203.0.113.5');
  });

  it('uses the peer when there is no X-Forwarded-For', () => {
    expect(clientIp('10.0.0.1', undefined, proxies)).toBe('10.0.0.1');
    expect(clientIp('10.0.0.1', '', proxies)).toBe('10.0.0.1');
    expect(clientIp(undefined, '1.2.3.4', proxies)).toBe('unknown');
  });

  it('behind a trusted proxy, picks the right-most hop that is not a trusted proxy', () => {
    // The client may prepend anything; only what our proxies appended is believed.
    expect(clientIp('10.0.0.1', '1.2.3.4', proxies)).toBe('1.2.3.4');
    expect(clientIp('10.0.0.1', '6.6.6.6, 198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2', proxies)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', ' 6.6.6.6 ,198.51.100.7 , ', proxies)).toBe('198.51.100.7');
  });

  it('falls back to the peer when every hop is a trusted proxy', () => {
    expect(clientIp('10.0.0.1', '10.0.0.2, 10.0.0.1', proxies)).toBe('10.0.0.1');
  });

  it('strips the ::ffff: IPv4-mapped prefix from the peer and from hops', () => {
    expect(clientIp('::ffff:203.0.113.5', undefined, [])).toBe('203.0.113.5');
    expect(clientIp('::ffff:10.0.0.1', '::ffff:198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', '198.51.100.7, ::ffff:10.0.0.2', proxies)).toBe('198.51.100.7');
    expect(clientIp('2001:db8::1', '1.2.3.4', proxies)).toBe('2001:db8::1');
  });
});
