import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';
import { UserError } from '../errors.ts';

describe('parseDuration', () => {
  it('reads seconds by default and the four units', () => {
    expect(parseDuration('90', '--time')).toBe(90_000);
    expect(parseDuration('60s', '--time')).toBe(60_000);
    expect(parseDuration('500ms', '--time')).toBe(500);
    expect(parseDuration('1.5m', '--time')).toBe(90_000);
    expect(parseDuration('2h', '--time')).toBe(7_200_000);
  });
  it('names the option and shows examples on bad input', () => {
    expect(() => parseDuration('soon', '--time')).toThrow(UserError);
    expect(() => parseDuration('10 days', '--time')).toThrow("--time: '10 days' is not a duration (examples: 60s, 500ms, 10m, 2h)");
  });
});
