import { describe, expect, it } from 'vitest';
import { blockedAddressReason, parseIPv4, parseIPv6, webhookUrlProblem } from '../../src/lib/ssrf.ts';

describe('IPv4 parsing (inet_aton forms)', () => {
  it.each([
    ['127.0.0.1', 0x7f000001],
    ['2130706433', 0x7f000001],
    ['0x7f000001', 0x7f000001],
    ['0x7f.1', 0x7f000001],
    ['0177.0.0.1', 0x7f000001],
    ['127.1', 0x7f000001],
    ['127.0.1', 0x7f000001],
    ['10.0.0.255', 0x0a0000ff],
    ['0', 0],
  ])('%s', (text, value) => expect(parseIPv4(text)).toBe(value));

  it.each(['256.0.0.1', '1.2.3.4.5', '1.2.3.256', '0x100000000', '4294967296', '08.0.0.1', 'a.b.c.d', '', '1..2', 'example.com'])('rejects %s', (text) =>
    expect(parseIPv4(text)).toBeNull(),
  );
});

describe('IPv6 parsing', () => {
  it.each([
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['[::1]', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ['::ffff:127.0.0.1', [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ['2001:db8:0:0:0:0:0:1', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]],
  ])('%s', (text, groups) => expect(parseIPv6(text)).toEqual(groups));

  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '::ffff:256.0.0.1', 'gggg::', '1:2:3:4:5:6:7'])('rejects %s', (text) =>
    expect(parseIPv6(text)).toBeNull(),
  );
});

describe('blocked addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.0.0.1', 'loopback'],
    ['017700000001', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'IETF protocol assignments (Teredo, ORCHID)'],
  ])('%s is %s', (address, reason) => expect(blockedAddressReason(address)).toBe(reason));

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '169.253.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:0808:0808::',
  ])('%s is public', (address) => expect(blockedAddressReason(address)).toBeNull());

  it('is undefined for host names', () => expect(blockedAddressReason('example.com')).toBeUndefined());
});

describe('webhook URL policy', () => {
  const production = { allowPrivate: false };
  const resolvesTo =
    (...addresses: string[]) =>
    async () =>
      addresses;

  it('allows http and private targets in development/test only', async () => {
    expect(await webhookUrlProblem('http://127.0.0.1:9999/hook', { allowPrivate: true })).toBeNull();
    expect(await webhookUrlProblem('http://127.0.0.1:9999/hook', production)).toBe('must use https');
    expect(await webhookUrlProblem('ftp://example.com/', { allowPrivate: true })).toBe('must use http or https');
  });

  it.each([
    ['https://127.0.0.1/', 'must not point at a loopback address'],
    ['https://2130706433/', 'must not point at a loopback address'],
    ['https://0x7f.1/', 'must not point at a loopback address'],
    ['https://[::1]/', 'must not point at a loopback address'],
    ['https://[::ffff:169.254.169.254]/', 'must not point at a link-local (cloud metadata) address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at a link-local (cloud metadata) address'],
    ['https://localhost/', 'must not point at a local or internal host'],
    ['https://api.localhost./', 'must not point at a local or internal host'],
    ['https://metadata.google.internal/', 'must not point at a local or internal host'],
    ['https://user:pw@example.com/', 'must not contain credentials'],
    ['not a url', 'must be an absolute URL'],
  ])('refuses %s in production', async (url, problem) => expect(await webhookUrlProblem(url, production)).toBe(problem));

  it('checks what a host name resolves to, every address', async () => {
    expect(await webhookUrlProblem('https://hooks.example.com/', { ...production, resolve: resolvesTo('93.184.216.34') })).toBeNull();
    expect(await webhookUrlProblem('https://rebind.example.com/', { ...production, resolve: resolvesTo('93.184.216.34', '10.0.0.7') })).toBe(
      'resolves to a private address',
    );
    expect(await webhookUrlProblem('https://v6.example.com/', { ...production, resolve: resolvesTo('fd12::1') })).toBe('resolves to a unique-local address');
    expect(await webhookUrlProblem('https://nx.example.com/', { ...production, resolve: async () => Promise.reject(new Error('ENOTFOUND')) })).toBe(
      'host does not resolve',
    );
    // Without a resolver (Workers) a public-looking name passes: the platform's fetch cannot reach private ranges.
    expect(await webhookUrlProblem('https://hooks.example.com/', production)).toBeNull();
  });
});
