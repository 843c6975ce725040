import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/errors.ts';
import { csvCell, csvLine, parseCsv } from '../../src/routes/crm/shared/csv.ts';

describe('csvCell / csvLine (RFC 4180 writer)', () => {
  it('quotes cells with commas, quotes or line breaks, doubling quotes; ends records with CRLF', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rlf', null, undefined, 42, true])).toBe(
      'plain,"a,b","say ""hi""","two\nlines","cr\rlf",,,42,true\r\n',
    );
  });

  it.each([
    ['=SUM(A1:A2)', "'=SUM(A1:A2)"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\tTAB', "'\tTAB"],
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['\r=1', `"'\r=1"`],
    ['a=b', 'a=b'],
    [" '=already", " '=already"],
  ])('neutralises formula %j as %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes objects as JSON and leaves numbers alone (a number cannot carry a formula)', () => {
    expect(csvCell({ tier: 'gold', n: 1 })).toBe('"{""tier"":""gold"",""n"":1}"');
    expect(csvCell(-5)).toBe('-5');
  });
});

describe('parseCsv (RFC 4180 reader)', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks; CRLF, LF and CR record ends', () => {
    expect(parseCsv('a,b,c\r\n"x, y","say ""hi""","multi\r\nline"\n1,,3\r4,5,6')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'multi\r\nline'],
      ['1', '', '3'],
      ['4', '5', '6'],
    ]);
  });

  it('drops a BOM and empty lines, keeps trailing empty cells and an explicitly quoted empty cell', () => {
    expect(parseCsv('\uFEFFa,b\r\n\r\n1,\r\n,\r\n')).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['', ''],
    ]);
    expect(parseCsv('a,b\n1,')).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('h\n""\n\n')).toEqual([['h'], ['']]);
    expect(parseCsv('"",x')).toEqual([['', 'x']]);
  });

  it.each([
    ['a,"unterminated\n', 'unterminated quoted cell'],
    ['a,"closed"trailing\n', 'text after a closing quote'],
    ['a,b"c\n', 'a quote inside an unquoted cell'],
  ])('refuses %j with a 400 (%s)', (text, problem) => {
    let error: unknown;
    try {
      parseCsv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).details).toEqual([{ field: 'body', message: problem }]);
  });

  it('round-trips whatever the writer writes (apart from the formula guard)', () => {
    const alphabet = ['a', 'Z', ' ', ',', '"', '\n', '\r', '\r\n', 'é', '😀', ';', "'", 'x'];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const records = Array.from({ length: 300 }, () =>
      Array.from({ length: 4 }, () => `v${Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')}`),
    );
    expect(parseCsv(records.map(csvLine).join(''))).toEqual(records);
  });
});
