/**
 * The client address: the peer itself, unless the peer is a trusted proxy, in
 * which case the right-most X-Forwarded-For entry that is not a trusted proxy.
 * A client-supplied X-Forwarded-For is therefore ignored unless a trusted proxy sent it.
 */
export function clientIp(peer: string | undefined, forwardedFor: string | undefined, trusted: string[]): string {
  const direct = normalize(peer ?? 'unknown');
  if (!forwardedFor || !trusted.includes(direct)) return direct;
  const hops = forwardedFor
    .split(',')
    .map((h) => normalize(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trusted.includes(hop)) return hop;
  }
  return direct;
}

function normalize(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
