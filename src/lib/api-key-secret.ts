import { randomToken, sha256Hex } from './crypto.ts';

/**
 * API key secrets: `crm_sk_<tenant id: 32 hex>_<32 random bytes, base64url>`.
 *
 * - `crm_sk_` tells the auth step (and logs, and secret scanners) a key from
 *   a JWT at a glance.
 * - The tenant id is in the key for the same reason as in refresh tokens
 *   (src/lib/tokens.ts): tenant tables are under row-level security keyed by
 *   the request's tenant, and a key must find its row before any tenant is
 *   known. Reading the tenant from the key lets the lookup run inside that
 *   tenant's scope like every other query, so nothing has to bypass RLS (the
 *   alternative, a SECURITY DEFINER lookup function, would be a hole whose
 *   safety depends on which role owns the table). Tenant ids are not secret;
 *   the stored SHA-256 covers the whole key, so editing the tenant part only
 *   produces a key that matches nothing.
 * - 256 random bits: a fast unsalted hash is enough (nothing to brute-force),
 *   and the lookup is one probe of a unique index on that hash.
 */
export const API_KEY_PREFIX = 'crm_sk_';
const FORMAT = /^crm_sk_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/;

export const apiKeySecret = {
  create(tenantId: string): string {
    return `${API_KEY_PREFIX}${tenantId.replaceAll('-', '')}_${randomToken(32)}`;
  },
  /** Whether a bearer credential is meant as an API key (then it never goes to the JWT verifier). */
  isApiKey: (credential: string) => credential.startsWith(API_KEY_PREFIX),
  /** The tenant the key names, or null if it is not a well-formed key. */
  tenantOf(key: string): string | null {
    const hex = FORMAT.exec(key)?.[1];
    return hex ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : null;
  },
  hash: (key: string) => sha256Hex(key),
  /** What lists show to tell keys apart: the first 12 and last 4 characters. */
  visible: (key: string) => ({ prefix: key.slice(0, 12), lastFour: key.slice(-4) }),
};
