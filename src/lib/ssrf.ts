/**
 * SSRF defence for outbound webhooks: which addresses a webhook may not reach
 * outside development/test, and the URL check run at create/update and again
 * before every delivery (DNS answers change).
 */

/** Parses IPv4 the way inet_aton (and so many HTTP clients) does: 1-4 parts, each decimal, 0x-hex or 0-octal. */
export function parseIPv4(input: string): number | null {
  const parts = input.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = Number.parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return null;
    if (!Number.isSafeInteger(value)) return null;
    values.push(value);
  }
  // The last part fills every remaining byte: "127.1" is 127.0.0.1, "2130706433" is too.
  const last = values.pop() as number;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return null;
  return values.reduce((acc, v, i) => acc + v * 256 ** (3 - i), 0) + last;
}

/** Parses IPv6 (with `::`, an embedded dotted IPv4 tail and an optional zone) into 8 16-bit groups. */
export function parseIPv6(input: string): number[] | null {
  let text = input.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!text.includes(':')) return null;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(tail[1] as string) ? parseStrictIPv4(tail[1] as string) : null;
    if (v4 === null) return null;
    text = `${text.slice(0, -(tail[1] as string).length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16));
}

function parseStrictIPv4(text: string): number | null {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p > 255)) return null;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

const v4 = (a: number, b: number, c: number, d: number) => ((a * 256 + b) * 256 + c) * 256 + d;
const BLOCKED_V4: [number, number, string][] = [
  [v4(0, 0, 0, 0), 8, 'this network'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(100, 64, 0, 0), 10, 'carrier-grade NAT'],
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link-local (cloud metadata)'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 0, 0, 0), 24, 'IETF protocol assignments'],
  [v4(192, 0, 2, 0), 24, 'documentation'],
  [v4(192, 88, 99, 0), 24, '6to4 relay'],
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(198, 18, 0, 0), 15, 'benchmarking'],
  [v4(198, 51, 100, 0), 24, 'documentation'],
  [v4(203, 0, 113, 0), 24, 'documentation'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved'],
];

function classifyV4(addr: number): string | null {
  for (const [base, bits, reason] of BLOCKED_V4) {
    const size = 2 ** (32 - bits);
    if (addr >= base && addr < base + size) return reason;
  }
  return null;
}

const embeddedV4 = (g: number[], from: number) => (g[from] as number) * 65536 + (g[from + 1] as number);

function classifyV6(g: number[]): string | null {
  const [g0 = 0, g1 = 0] = g;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64): judge the IPv4 inside.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyV4(embeddedV4(g, 6));
  if (zeroUpTo(6)) return classifyV4(embeddedV4(g, 6));
  if (g0 === 0x64 && g1 === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(embeddedV4(g, 6));
  if (g0 === 0x2002) return classifyV4(embeddedV4(g, 1));
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'site-local';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'documentation';
  if (g0 === 0x2001 && g1 < 0x0200) return 'IETF protocol assignments (Teredo, ORCHID)';
  if (g0 === 0x0100 && g1 === 0 && g[2] === 0 && g[3] === 0) return 'discard';
  return null;
}

/**
 * Why an address must not be reached (private, loopback, link-local, CGNAT,
 * multicast, unique-local, metadata, ...), or null for a public address, or
 * undefined when `input` is not an IP literal at all.
 */
export function blockedAddressReason(input: string): string | null | undefined {
  const g = parseIPv6(input);
  if (g) return classifyV6(g);
  const a = parseIPv4(input);
  if (a !== null) return classifyV4(a);
  return undefined;
}

export type ResolveHost = (hostname: string) => Promise<string[]>;

export interface UrlPolicy {
  /** development/test: http and private addresses are allowed (local receivers). */
  allowPrivate: boolean;
  /** DNS lookup (Node/Deno); absent on Workers, whose fetch cannot reach private ranges. */
  resolve?: ResolveHost;
}

/** Why a webhook URL is refused, or null when it may be called. */
export async function webhookUrlProblem(raw: string, policy: UrlPolicy): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol !== 'https:' && !(policy.allowPrivate && url.protocol === 'http:')) {
    return policy.allowPrivate ? 'must use http or https' : 'must use https';
  }
  if (policy.allowPrivate) return null;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) {
    return 'must not point at a local or internal host';
  }
  const literal = blockedAddressReason(host);
  if (literal !== undefined) return literal ? `must not point at a ${literal} address` : null;
  if (!policy.resolve) return null;
  let addresses: string[];
  try {
    addresses = await policy.resolve(host);
  } catch {
    return 'host does not resolve';
  }
  if (!addresses.length) return 'host does not resolve';
  for (const address of addresses) {
    const reason = blockedAddressReason(address);
    if (reason) return `resolves to a ${reason} address`;
  }
  return null;
}
