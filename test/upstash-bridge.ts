import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';

/**
 * A local stand-in for Upstash's REST endpoint, so the real `@upstash/redis`
 * and `@upstash/ratelimit` clients can run against the real Redis on this
 * machine. It implements the subset of Upstash's REST protocol those clients
 * use (see ../shared/STACK-NOTES.md, "Upstash client against local Redis"):
 *
 * - `POST /` with a JSON array `["CMD", ...args]` → `{"result": ...}`;
 *   a Redis error → HTTP 400 `{"error": "..."}`.
 * - `POST /pipeline` with `[[...], ...]` → HTTP 200 and an array of
 *   `{"result"}` / `{"error"}`, one per command, in order.
 * - `POST /multi-exec`: the same, inside MULTI/EXEC.
 * - `Authorization: Bearer <token>` is required (else 401 `{"error"}`).
 * - `Upstash-Encoding: base64` (the client's default): every string in a
 *   reply, nested ones included, is base64; numbers and nulls stay as they are.
 * - Lua: Upstash's scripts start with `#!lua flags=allow-key-locking`, which
 *   stock Redis rejects. EVAL runs the script without that line and remembers
 *   the original script's SHA → the stripped one's, so EVALSHA with the
 *   original SHA works after the client's NOSCRIPT → EVAL fallback. SCRIPT
 *   LOAD strips likewise and answers the original SHA.
 * - HGETALL: ioredis turns the reply into an object; it is flattened back.
 *
 * Everything else (Upstash-Sync-Token, telemetry headers, GET forms, streaming)
 * is ignored or absent.
 */
const SHEBANG = /^#!lua[^\n]*\n/;
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

type Reply = Buffer | number | null | Reply[] | Record<string, Buffer>;

export interface UpstashBridge {
  url: string;
  token: string;
  close(): Promise<void>;
}

export async function startUpstashBridge(redisUrl: string, token = `bridge-${crypto.randomUUID()}`): Promise<UpstashBridge> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 0 });
  const rewritten = new Map<string, string>();

  /** The command as stock Redis accepts it, and for SCRIPT LOAD the SHA to answer (the client's own). */
  const prepare = (command: unknown[]): { call: [string, ...(string | number)[]]; answerSha?: string } => {
    const [rawName, ...rest] = command;
    const name = String(rawName).toLowerCase();
    const args = rest.map((a) => (a === null ? '' : typeof a === 'number' ? a : String(a)));
    if (name === 'eval' || (name === 'script' && String(args[0]).toLowerCase() === 'load')) {
      const at = name === 'eval' ? 0 : 1;
      const original = String(args[at]);
      const script = original.replace(SHEBANG, '');
      rewritten.set(sha1(original), sha1(script));
      const call = [...args];
      call[at] = script;
      return { call: [name, ...call], answerSha: name === 'script' ? sha1(original) : undefined };
    }
    if (name === 'evalsha') return { call: [name, rewritten.get(String(args[0])) ?? String(args[0]), ...args.slice(1)] };
    return { call: [name, ...args] };
  };

  const encode = (reply: Reply, base64: boolean): unknown => {
    if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8');
    if (Array.isArray(reply)) return reply.map((r) => encode(r, base64));
    // HGETALL through ioredis: back to the flat field/value array Redis sent.
    if (reply && typeof reply === 'object') return encode(Object.entries(reply).flat() as Reply, base64);
    return reply;
  };
  const result = (prepared: ReturnType<typeof prepare>, reply: Reply, base64: boolean) => ({
    result: encode(prepared.answerSha ? Buffer.from(prepared.answerSha) : reply, base64),
  });

  const run = async (command: unknown[], base64: boolean) => {
    const prepared = prepare(command);
    try {
      return result(prepared, (await redis.callBuffer(...prepared.call)) as Reply, base64);
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  const body = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  };

  const server = createServer(async (req, res) => {
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    try {
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'Unauthorized' });
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
      const payload = await body(req);
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/pipeline') {
        const commands = payload as unknown[][];
        const results = [];
        for (const command of commands) results.push(await run(command, base64));
        return send(200, results);
      }
      if (path === '/multi-exec') {
        const prepared = (payload as unknown[][]).map(prepare);
        const tx = redis.multi();
        for (const p of prepared) tx.callBuffer(...p.call);
        const replies = (await tx.exec()) ?? [];
        return send(
          200,
          replies.map(([err, reply], i) => (err ? { error: err.message } : result(prepared[i] as (typeof prepared)[number], reply as Reply, base64))),
        );
      }
      const outcome = await run(payload as unknown[], base64);
      return send('error' in outcome ? 400 : 200, outcome);
    } catch (err) {
      return send(400, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}
