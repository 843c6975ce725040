import { describe, expect, it } from 'vitest';
import { redactionTerms } from '../../src/routes/privacy/privacy.handlers.ts';

describe('privacy erasure: what identifies the person in audit diffs', () => {
  it('erases the email and full names anywhere, first and last names only as whole values', () => {
    expect(redactionTerms('ann@x.example', [{ firstName: 'Ann', lastName: 'Lee' }])).toEqual({
      contains: ['ann@x.example', 'ann lee'],
      equals: ['ann lee', 'ann', 'lee'],
    });
  });

  it('lower-cases every term (the SQL side compares lower-cased text)', () => {
    const terms = redactionTerms('a@x.example', [{ firstName: 'ÉLISE', lastName: 'McKay' }]);
    expect([...terms.contains, ...terms.equals].every((t) => t === t.toLowerCase())).toBe(true);
  });

  it('a lone last name is never a substring term: "Lee" must not erase "Leeds"', () => {
    expect(redactionTerms('a@x.example', [{ firstName: '', lastName: 'Lee' }])).toEqual({ contains: ['a@x.example'], equals: ['lee'] });
  });

  it('merges duplicates across a lead and a contact of the same person, and needs no records', () => {
    const person = { firstName: 'Ann', lastName: 'Lee' };
    expect(redactionTerms('ann@x.example', [person, person]).equals).toEqual(['ann lee', 'ann', 'lee']);
    expect(redactionTerms('nobody@x.example', [])).toEqual({ contains: ['nobody@x.example'], equals: [] });
  });
});
