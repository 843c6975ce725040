import type { z } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { hc } from 'hono/client';
import type { BlankEnv } from 'hono/types';
import type { App } from './app.ts';
import type { errorSchema } from './lib/openapi.ts';

/** The one error body every failure carries (see the Error schema in /docs). */
export type ApiError = z.output<typeof errorSchema>;

/**
 * A typed HTTP client of this API (`import { createClient } from
 * 'crm-edge-api/client'`), built on hono/client: paths, methods, request
 * bodies and response shapes come from the app's own route definitions
 * (every router is a typed chain; see src/app.ts). Type-only imports:
 * nothing of the server is bundled into a client.
 */
type SchemaOf<T> = T extends Hono<infer _E, infer S, infer _B> ? S : never;
export type ClientSchema = SchemaOf<App>;
export type AppClient = ReturnType<typeof hc<Hono<BlankEnv, ClientSchema, '/'>>>;

export interface ClientOptions {
  /** An access token (POST /api/auth/login) or an API key: sent as `Authorization: Bearer`. */
  token?: string;
  /** Tenant slug or id, sent as X-Tenant-ID (login needs a tenant unless the host names it). */
  tenant?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export function createClient(baseUrl: string, options: ClientOptions = {}): AppClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.tenant) headers['X-Tenant-ID'] = options.tenant;
  return hc<Hono<BlankEnv, ClientSchema, '/'>>(baseUrl, { headers, ...(options.fetch && { fetch: options.fetch }) });
}
