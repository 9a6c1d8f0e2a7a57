import { parseDuration } from '../../src/domain/duration';

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  test.each(['', '10', 'ten minutes', '5x', '1h-30m'])('"%s" is refused naming the flag and the fix', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(/--timeout ".*" is not a duration: use a number with a unit, e\.g\. 90s, 30m or 2h/);
  });
});
