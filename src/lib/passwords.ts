import { z } from 'zod';

/** bcrypt behind one interface: @node-rs/bcrypt on Node/Deno, bcryptjs on Workers. Hashes are interchangeable. */
export interface PasswordHasher {
  hash(password: string, cost: number): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

/** The most common passwords of 10+ characters (bcrypt-length ones from public breach top lists). */
const commonPasswords = new Set([
  '1234567890',
  '12345678910',
  '0123456789',
  '1234567891',
  '123456789a',
  'qwertyuiop',
  'password1',
  'password12',
  'password123',
  'password1234',
  'passw0rd123',
  'iloveyou12',
  'qwerty1234',
  'qwerty12345',
  'qwerty123456',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'zaq12wsxcde',
  'abc1234567',
  'abcdefghij',
  'football123',
  'baseball123',
  'welcome123',
  'welcome1234',
  'letmein123',
  'sunshine123',
  'princess123',
  'superman123',
  'trustno1234',
  'changeme123',
  'administrator',
  'admin12345',
  'admin123456',
  'adminadmin',
  'passwordpassword',
  '9876543210',
  '1111111111',
  '0000000000',
  'aaaaaaaaaa',
  'iloveyou123',
  'monkey12345',
  'dragon12345',
  'michael123',
  'charlie123',
  'qazwsxedcrfv',
  'asdfghjkl1',
  'asdfghjkl;',
  'zxcvbnm123',
  '123qweasdzxc',
]);

const encoder = new TextEncoder();

/** 10 characters minimum, 72 UTF-8 bytes maximum (bcrypt's limit; never silently truncated), not a common one. */
export const passwordSchema = z
  .string()
  .min(10, 'password must be at least 10 characters')
  .refine((p) => encoder.encode(p).length <= 72, 'password must be at most 72 bytes (UTF-8)')
  .refine((p) => !commonPasswords.has(p.toLowerCase()), 'password is too common');
