import { lookup } from 'node:dns/promises';
import type { ResolveHost } from './ssrf.ts';

/** Every address a host resolves to (A and AAAA), for the webhook SSRF check on Node and Deno. */
export const nodeResolveHost: ResolveHost = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
