import { describe, expect, it } from 'vitest';
import { DomainError } from '../util/validate.js';
import { numberOption } from './options.js';

// The option parser both `pnpm train` front ends share: what each kind accepts, at and just past its bounds, and
// the message that names the option and what it accepts.
const refusal = (name: string, allowed: string, raw: string) => `pnpm train: argument '--${name}' must be ${allowed}; received ${raw}`;

describe('numberOption (pnpm train options)', () => {
  it('an absent option is its fallback, whatever the kind', () => {
    expect(numberOption('steps', undefined, 7, { integer: true, min: 0 })).toBe(7);
    expect(numberOption('lr', undefined, 2e-3, { positive: true })).toBe(2e-3);
    expect(numberOption('eta', undefined, -1, { finite: true })).toBe(-1);
  });

  it('integers: digits only, min and max both included, one past either end refused by name', () => {
    const kind = { integer: true, min: 2, max: 10 } as const;
    expect(numberOption('T', '2', 0, kind)).toBe(2);
    expect(numberOption('T', '10', 0, kind)).toBe(10);
    expect(numberOption('T', '007', 0, kind)).toBe(7);
    for (const raw of ['1', '11']) expect(() => numberOption('T', raw, 0, kind)).toThrow(refusal('T', 'an integer in 2..10', raw));
    // Forms Number() would read are not integers here: an exponent, a sign, a fraction, blanks, trailing letters.
    for (const raw of ['1e3', '-1', '+5', '5.0', '', ' 5', '5 ', '12abc', '0x10']) {
      expect(() => numberOption('T', raw, 0, kind)).toThrow(DomainError);
      expect(() => numberOption('T', raw, 0, kind)).toThrow(refusal('T', 'an integer in 2..10', raw));
    }
  });

  it('integers without a max: any size of digits at or above min; below it, the message says ">= min"', () => {
    const kind = { integer: true, min: 1 } as const;
    expect(numberOption('every', '1', 0, kind)).toBe(1);
    expect(numberOption('every', '123456789', 0, kind)).toBe(123456789);
    expect(() => numberOption('every', '0', 5, kind)).toThrow(refusal('every', 'an integer >= 1', '0'));
    // 10^400 is digits, but Number() makes it Infinity: not an integer.
    expect(() => numberOption('every', '1' + '0'.repeat(400), 5, kind)).toThrow(/must be an integer >= 1/);
  });

  it('positive numbers: any form Number() reads, > 0 and finite', () => {
    const kind = { positive: true } as const;
    expect(numberOption('lr', '1e-3', 0, kind)).toBe(1e-3);
    expect(numberOption('lr', '.5', 0, kind)).toBe(0.5);
    expect(numberOption('lr', ' 2 ', 0, kind)).toBe(2);
    expect(numberOption('lr', '5e-324', 0, kind)).toBe(5e-324);
    for (const raw of ['0', '-1e-3', 'Infinity', '1e400', 'NaN', 'abc', '', '   ']) {
      expect(() => numberOption('lr', raw, 1, kind)).toThrow(refusal('lr', 'a finite number > 0', raw));
    }
  });

  it('finite numbers: zero and negatives too, but not blanks, ±Infinity or text', () => {
    const kind = { finite: true } as const;
    expect(numberOption('guidance', '0', 3, kind)).toBe(0);
    expect(numberOption('guidance', '-2.5', 3, kind)).toBe(-2.5);
    expect(numberOption('eta', '1e-300', 3, kind)).toBe(1e-300);
    // '' and blanks would be 0 to Number(): refused, not taken as 0.
    for (const raw of ['', ' ', 'Infinity', '-Infinity', '1e999', 'x']) {
      expect(() => numberOption('eta', raw, 1, kind)).toThrow(refusal('eta', 'a finite number', raw));
    }
  });
});
