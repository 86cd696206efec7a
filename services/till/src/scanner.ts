// Tells a keyboard-wedge barcode scanner from a person typing: a scanner "types" the whole code in
// a burst (a few milliseconds per key) and ends it with Enter; people type far slower.
export interface WedgeOptions {
  /** Longest gap between two keys of one scan. */
  maxGapMs: number;
  /** Shortest code accepted. */
  minLength: number;
}

export const DEFAULT_WEDGE: WedgeOptions = { maxGapMs: 35, minLength: 4 };

export interface WedgeDetector {
  /** Feed every key press; returns the scanned code when `key` is the Enter that ends a burst. */
  key(key: string, atMs: number): string | undefined;
}

export function wedgeDetector(options: WedgeOptions = DEFAULT_WEDGE): WedgeDetector {
  let buffer = '';
  let last = -Infinity;
  return {
    key(key, atMs) {
      const gap = atMs - last;
      last = atMs;
      if (key === 'Enter') {
        const code = gap <= options.maxGapMs && buffer.length >= options.minLength ? buffer : undefined;
        buffer = '';
        return code;
      }
      if (key.length !== 1) return undefined;
      buffer = gap <= options.maxGapMs ? buffer + key : key;
      return undefined;
    },
  };
}
