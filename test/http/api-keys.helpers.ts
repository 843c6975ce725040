import { expect } from 'vitest';
import { type Harness, json } from '../harness.ts';

/** Creates a key as `token`'s user and returns its secret and public record. */
export async function createKey(h: Harness, token: string, body: Record<string, unknown>) {
  const res = await h.request('POST', '/api/api-keys', { token, body: { name: 'test key', ...body } });
  expect(res.status, await res.clone().text()).toBe(201);
  const { data } = await json(res);
  return { secret: data.secret as string, id: data.id as string, data, res };
}

/** Asserts the spec's error shape and code. */
export async function expectError(res: Response, status: number, error: string) {
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect(typeof body.requestId).toBe('string');
  return body;
}
