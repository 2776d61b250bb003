import { describe, expect, it } from 'vitest';
import { UsageError } from 'quiver-engine';
import { paramsFromArgs, resolveParams } from '../../dist/src/job/params.js';

const SPEC = {
  pattern: { type: 'string', description: 'a regex' },
  bins: { type: 'integer', default: 20 },
  scale: { type: 'number', default: 1.5 },
  lines: { type: 'boolean', default: false },
  by: { type: 'list', default: ['id1'] },
} as const;

describe('job params', () => {
  it('fills defaults and parses command-line text by type', () => {
    expect(resolveParams('j', SPEC, { pattern: 'a+' })).toEqual({ pattern: 'a+', bins: 20, scale: 1.5, lines: false, by: ['id1'] });
    expect(resolveParams('j', SPEC, { pattern: '', bins: ' -3 ', scale: '1e3', lines: 'true', by: 'id1, id2,,' })).toEqual({
      pattern: '',
      bins: -3,
      scale: 1000,
      lines: true,
      by: ['id1', 'id2'],
    });
    for (const [text, value] of [
      ['1', true],
      ['yes', true],
      ['0', false],
      ['no', false],
      ['false', false],
    ] as const) {
      expect(resolveParams('j', SPEC, { pattern: 'x', lines: text }).lines).toBe(value);
    }
  });

  it('takes typed values from the library as they are', () => {
    expect(resolveParams('j', SPEC, { pattern: 'x', bins: 7, scale: -0.25, lines: true, by: ['a', 'b'] })).toMatchObject({
      bins: 7,
      scale: -0.25,
      lines: true,
      by: ['a', 'b'],
    });
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a missing required param', { bins: '3' }, /job "j" needs --param pattern=<string> \(a regex\)/],
    [
      'an unknown param',
      { pattern: 'x', bin: '3' },
      /unknown --param "bin" for job "j": it takes "pattern", "bins", "scale", "lines", "by"/,
    ],
    ['a fractional integer', { pattern: 'x', bins: '2.5' }, /--param bins must be an integer, got "2.5"/],
    ['an integer with a unit', { pattern: 'x', bins: '20k' }, /--param bins must be an integer/],
    ['a number that is not one', { pattern: 'x', scale: 'big' }, /--param scale must be a number, got "big"/],
    ['an empty number', { pattern: 'x', scale: '' }, /--param scale must be a number/],
    ['an infinite number', { pattern: 'x', scale: 'Infinity' }, /--param scale must be a number/],
    ['a boolean that is not one', { pattern: 'x', lines: 'maybe' }, /--param lines must be true or false, got "maybe"/],
    ['a number for a string', { pattern: 5 }, /--param pattern must be a string, got 5/],
  ];
  for (const [what, given, message] of bad) {
    it(`rejects ${what} with a UsageError`, () => {
      expect(() => resolveParams('j', SPEC, given)).toThrow(UsageError);
      expect(() => resolveParams('j', SPEC, given)).toThrow(message);
    });
  }

  it('says a job without params takes none', () => {
    expect(() => resolveParams('wordcount', undefined, { x: '1' })).toThrow(
      /unknown --param "x" for job "wordcount": it takes no parameters/,
    );
  });

  it('parses name=value arguments, keeping = in values', () => {
    expect(paramsFromArgs(['pattern=a=b', ' by =id1,id2', 'empty='])).toEqual({ pattern: 'a=b', by: 'id1,id2', empty: '' });
    expect(() => paramsFromArgs(['pattern'])).toThrow(/--param must look like name=value, got "pattern"/);
    expect(() => paramsFromArgs(['=x'])).toThrow(/--param must look like name=value/);
  });
});
