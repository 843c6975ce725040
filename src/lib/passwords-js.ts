import bcrypt from 'bcryptjs';
import type { PasswordHasher } from './passwords.ts';

/** Workers: pure-JS bcrypt (native addons cannot load in workerd). */
export const jsHasher: PasswordHasher = {
  hash: (password, cost) => bcrypt.hash(password, cost),
  verify: (password, passwordHash) => bcrypt.compare(password, passwordHash),
};
