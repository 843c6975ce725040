import { expect, it } from 'vitest';
import { groupDigits } from '../../src/lib/openapi.ts';

it('groups digits in threes for OpenAPI descriptions, as toLocaleString("en") would', () => {
  for (const n of [0, 7, 999, 1000, 10000, 123456, 1234567, 100000000]) expect(groupDigits(n)).toBe(n.toLocaleString('en'));
});
