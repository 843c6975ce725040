import { describe, expect, it } from 'vitest';
import { passwordSchema } from '../../src/lib/passwords.ts';
import { jsHasher } from '../../src/lib/passwords-js.ts';
import { nativeHasher } from '../../src/lib/passwords-native.ts';

const bytes = (s: string) => new TextEncoder().encode(s).length;
const messages = (p: string) => {
  const r = passwordSchema.safeParse(p);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('password policy', () => {
  it('rejects fewer than 10 characters and accepts exactly 10', () => {
    expect(messages('')).toContain('password must be at least 10 characters');
    expect(messages('a9$kLm2#q')).toContain('password must be at least 10 characters');
    expect(passwordSchema.safeParse('a9$kLm2#qZ').success).toBe(true);
  });

  it('counts characters, not UTF-16 code units', () => {
    // 6 characters, 10 UTF-16 code units: still too short.
    const sixChars = 'ab😀😀😀😀';
    expect(sixChars.length).toBe(10);
    expect(messages(sixChars)).toContain('password must be at least 10 characters');
    expect(passwordSchema.safeParse('ab😀😀😀😀😀😀😀😀').success).toBe(true);
  });

  it('accepts 72 UTF-8 bytes and rejects 73 (multibyte characters count as bytes)', () => {
    const euro72 = '€'.repeat(24); // 24 characters, 3 bytes each
    expect(bytes(euro72)).toBe(72);
    expect(passwordSchema.safeParse(euro72).success).toBe(true);
    const euro73 = `${euro72}a`;
    expect(bytes(euro73)).toBe(73);
    expect(euro73.length).toBeLessThan(72);
    expect(messages(euro73)).toContain('password must be at most 72 bytes (UTF-8)');

    const emoji72 = 'x'.repeat(4) + '🔐'.repeat(17);
    expect(bytes(emoji72)).toBe(72);
    expect(passwordSchema.safeParse(emoji72).success).toBe(true);
    expect(passwordSchema.safeParse(`${emoji72}!`).success).toBe(false);

    const ascii = 'k'.repeat(72);
    expect(passwordSchema.safeParse(ascii).success).toBe(true);
    expect(passwordSchema.safeParse(`${ascii}k`).success).toBe(false);
  });

  it('rejects the commonest passwords, case-insensitively', () => {
    for (const p of ['password123', 'Password123', 'qwertyuiop', '1234567890', 'QWERTY12345', 'iloveyou123']) {
      expect(messages(p)).toContain('password is too common');
    }
    expect(passwordSchema.safeParse('password123-but-longer').success).toBe(true);
  });
});

describe('bcrypt hashers are interchangeable (native on Node/Deno, JS on Workers)', () => {
  const password = 'interchangeable-Πάσσγουορντ-🔑';

  it('a native hash verifies with bcryptjs', async () => {
    const hash = await nativeHasher.hash(password, 10);
    expect(hash).toMatch(/^\$2[aby]\$10\$[./A-Za-z0-9]{53}$/);
    expect(await jsHasher.verify(password, hash)).toBe(true);
    expect(await jsHasher.verify(`${password}x`, hash)).toBe(false);
    expect(await nativeHasher.verify(password, hash)).toBe(true);
  });

  it('a bcryptjs hash verifies with the native hasher', async () => {
    const hash = await jsHasher.hash(password, 10);
    expect(hash).toMatch(/^\$2[aby]\$10\$[./A-Za-z0-9]{53}$/);
    expect(await nativeHasher.verify(password, hash)).toBe(true);
    expect(await nativeHasher.verify('interchangeable', hash)).toBe(false);
    expect(await jsHasher.verify(password, hash)).toBe(true);
  });

  it('agree on a 72-byte multibyte password', async () => {
    const longest = '€'.repeat(24);
    const a = await nativeHasher.hash(longest, 10);
    const b = await jsHasher.hash(longest, 10);
    expect(await jsHasher.verify(longest, a)).toBe(true);
    expect(await nativeHasher.verify(longest, b)).toBe(true);
    expect(await nativeHasher.verify('€'.repeat(23), b)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([nativeHasher.hash(password, 10), jsHasher.hash(password, 10)]);
    expect(a).not.toBe(b);
    expect(await nativeHasher.hash(password, 10)).not.toBe(a);
  });
});
