import type { MiddlewareHandler } from 'hono';

/** An OpenAPI security requirement list: alternatives, each naming schemes (and, for apiKeyAuth, the scopes needed). */
export type Security = Record<string, string[]>[];

/** The API key scope each authorize() step demands, keyed by the middleware it returned. */
const scopeOf = new WeakMap<MiddlewareHandler, string>();

/** Records that `middleware` lets an API key through only with `scope` (see authorize()). */
export function requiresScope<M extends MiddlewareHandler>(middleware: M, scope: string): M {
  scopeOf.set(middleware, scope);
  return middleware;
}

/**
 * A route's `security` in the OpenAPI document, read from how the route is
 * really guarded, so the two cannot drift: a route with authorize() steps
 * accepts a user's JWT (bearerAuth) or an API key holding every scope those
 * steps need (apiKeyAuth). Any other route keeps what it declares: nothing
 * (public), bearerAuth alone (user sessions only), platformKey (operators).
 */
export function securityOf(route: { middleware?: MiddlewareHandler | readonly MiddlewareHandler[]; security?: Security }): Security | undefined {
  const steps = route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  const scopes = [...new Set(steps.flatMap((step: MiddlewareHandler) => scopeOf.get(step) ?? []))];
  return scopes.length ? [{ bearerAuth: [] }, { apiKeyAuth: scopes }] : route.security;
}
