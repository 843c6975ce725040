import { compare, hash } from '@node-rs/bcrypt';
import type { PasswordHasher } from './passwords.ts';

/** Node and Deno: native bcrypt, run off the main thread. Never imported by the Worker. */
export const nativeHasher: PasswordHasher = {
  hash: (password, cost) => hash(password, cost),
  verify: (password, passwordHash) => compare(password, passwordHash),
};
