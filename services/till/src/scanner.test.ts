import { describe, expect, it } from 'vitest';
import { wedgeDetector } from './scanner.ts';

function feed(keys: string[], gapMs: number) {
  const detector = wedgeDetector();
  let at = 1000;
  let result: string | undefined;
  for (const key of keys) {
    result = detector.key(key, at);
    at += gapMs;
  }
  return result;
}

describe('the keyboard-wedge detector', () => {
  it('takes a fast burst ending in Enter as a scan', () => {
    expect(feed([...'4006381333931', 'Enter'], 5)).toBe('4006381333931');
  });

  it('takes typing at human speed as typing', () => {
    expect(feed([...'4006381333931', 'Enter'], 120)).toBeUndefined();
  });

  it('refuses a burst too short to be a barcode', () => {
    expect(feed([...'12', 'Enter'], 5)).toBeUndefined();
  });

  it('starts a new burst after a pause, so typed text before a scan is not part of it', () => {
    const detector = wedgeDetector();
    detector.key('a', 0);
    detector.key('b', 200);
    let at = 1000;
    for (const key of '12345678') detector.key(key, (at += 5));
    expect(detector.key('Enter', at + 5)).toBe('12345678');
  });
});
