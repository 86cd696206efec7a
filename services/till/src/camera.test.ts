// The camera scanner's pure parts: which detections are new, and what a camera failure says. And its
// ZXing build: the ponyfill's JavaScript and the .wasm the till bundles beside it must be one build
// of ZXing-C++ (the till serves the file itself, no CDN), so an upgrade of one without the other
// would break camera scanning only at run time, in the browser; this catches it at test time.
import { ZXING_WASM_SHA256 } from 'barcode-detector/ponyfill';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cameraProblem, newCodes } from './camera.ts';

describe('newCodes', () => {
  it('counts a code once while it stays in view, and again once it was gone for a while', () => {
    const fresh = newCodes(1_500);
    expect(fresh(['4006381333931'], 0)).toEqual(['4006381333931']);
    // Seen in every frame for five seconds: still the one.
    for (let at = 120; at <= 5_000; at += 120) expect(fresh(['4006381333931'], at)).toEqual([]);
    // Another item joins it in the picture.
    expect(fresh(['4006381333931', 'SKU-2', 'SKU-2'], 5_100)).toEqual(['SKU-2']);
    // Taken away (frames without it), then shown again.
    expect(fresh([], 5_200)).toEqual([]);
    expect(fresh(['4006381333931'], 6_700)).toEqual(['4006381333931']);
  });
});

describe('cameraProblem', () => {
  it.each([
    ['NotAllowedError', /blocked for the till/],
    ['NotFoundError', /no camera the till can use/],
    ['NotReadableError', /in use by another app/],
    ['NoMediaDevices', /over https/],
    ['TypeError', /could not start: it broke/],
  ])('%s', (name, message) => {
    const error = new Error('it broke');
    error.name = name;
    expect(cameraProblem(error)).toMatch(message);
  });
});

describe('the camera scanner’s ZXing build', () => {
  it('bundles the .wasm that the barcode-detector ponyfill was built against', async () => {
    const wasm = fileURLToPath(import.meta.resolve('zxing-wasm/reader/zxing_reader.wasm'));
    const bundled = await readFile(wasm);
    expect(createHash('sha256').update(bundled).digest('hex')).toBe(ZXING_WASM_SHA256);
  });
});
