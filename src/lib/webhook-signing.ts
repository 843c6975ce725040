/**
 * Standard Webhooks signing (https://www.standardwebhooks.com) and the
 * at-rest encryption of endpoint secrets, with Web Crypto only so the same
 * code signs on Node, Deno and Workers.
 */
import { base64url } from './crypto.ts';

const encoder = new TextEncoder();
export const SECRET_PREFIX = 'whsec_';

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
const fromBase64url = (text: string) => fromBase64(text.replaceAll('-', '+').replaceAll('_', '/'));

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = () => `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;

/** A `webhook-id`: `msg_` + 32 hex characters. */
export const newMessageId = () => `msg_${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;

/** The `webhook-signature` value: `v1,<base64 HMAC-SHA256("id.timestamp.body")>` keyed with the secret's decoded bytes. */
export async function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', fromBase64(secret.slice(SECRET_PREFIX.length)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestampSeconds}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/**
 * The AES-GCM key for stored secrets, derived (HKDF-SHA-256) from
 * WEBHOOK_SECRET_KEY, or from JWT_SECRET when that is unset. Changing the
 * source key makes stored secrets unreadable: rotate every endpoint's secret then.
 */
async function secretKey(keyMaterial: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', encoder.encode(keyMaterial), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode('crm-webhook-endpoint-secret-v1') },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** `v1.<iv>.<ciphertext>` (base64url); the tenant id is bound as associated data, so a ciphertext copied to another tenant does not decrypt. */
export async function encryptSecret(keyMaterial: string, tenantId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(tenantId) },
    await secretKey(keyMaterial),
    encoder.encode(secret),
  );
  return `v1.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

export async function decryptSecret(keyMaterial: string, tenantId: string, stored: string): Promise<string> {
  const [version, iv, data] = stored.split('.');
  if (version !== 'v1' || !iv || !data) throw new Error('unknown webhook secret format');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(iv), additionalData: encoder.encode(tenantId) },
    await secretKey(keyMaterial),
    fromBase64url(data),
  );
  return new TextDecoder().decode(plain);
}

/** What endpoint secrets are encrypted with: WEBHOOK_SECRET_KEY, else JWT_SECRET. */
export const secretKeyMaterial = (config: { WEBHOOK_SECRET_KEY?: string; JWT_SECRET: string }) => config.WEBHOOK_SECRET_KEY ?? config.JWT_SECRET;
