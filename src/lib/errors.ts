import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one code → HTTP status map (SPEC section 12). */
export const errorStatus = {
  validation_error: 400,
  // A password reset token that is unknown, expired, already used or of another tenant (one code: no oracle).
  invalid_reset_token: 400,
  invalid_credentials: 401,
  unauthorized: 401,
  plan_limit_reached: 402,
  // Not in SPEC §12: an overdue payment past its grace period is not a plan limit; clients must
  // tell "fix the payment (billing portal)" apart from "upgrade the plan" (plan_limit_reached).
  subscription_past_due: 402,
  insufficient_permissions: 403,
  tenant_mismatch: 403,
  tenant_suspended: 403,
  account_not_activated: 403,
  account_disabled: 403,
  plan_feature_unavailable: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_conflict: 422,
  rate_limit_exceeded: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorDetail {
  field: string;
  message: string;
}

/** The only error type the app throws on purpose; onError turns it into the JSON body. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = errorStatus[code];
  }
}

export const notFound = (what = 'Resource') => new ApiError('not_found', `${what} not found`);
