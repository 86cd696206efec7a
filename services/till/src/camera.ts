// Reading barcodes with the device's camera: the browser's own BarcodeDetector where it has one that
// reads retail codes (Chrome on Android and macOS), else the `barcode-detector` ponyfill (ZXing-C++
// compiled to WebAssembly), loaded only when the camera is first opened. Its .wasm is a file of this
// build, served by the POS API beside the app and kept by the service worker: no CDN, and it works
// offline like the rest of the till.
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

/** Codes found on goods and on our own receipts (Code 128). */
export const RETAIL_FORMATS = ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128', 'code_39', 'itf'] as const;

export interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string; format: string }[]>;
}

interface NativeDetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

/** A detector for RETAIL_FORMATS, and whether it is the browser's own. */
export async function barcodeDetector(): Promise<{ detector: Detector; native: boolean }> {
  const native = (globalThis as { BarcodeDetector?: NativeDetectorClass }).BarcodeDetector;
  if (native) {
    // Some platforms expose the class with no formats behind it.
    const supported = await native.getSupportedFormats().catch(() => [] as string[]);
    const formats = RETAIL_FORMATS.filter((format) => supported.includes(format));
    if (formats.includes('ean_13')) return { detector: new native({ formats }), native: true };
  }
  const { BarcodeDetector, prepareZXingModule } = await import('barcode-detector/ponyfill');
  prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
    },
  });
  return { detector: new BarcodeDetector({ formats: [...RETAIL_FORMATS] }), native: false };
}

/**
 * Which detections are new: a code counts once while it stays in view, and again once it has been
 * out of view for `goneMs` (the cashier took the item away and shows it, or another one, again).
 */
export function newCodes(goneMs = 1_500) {
  const lastSeen = new Map<string, number>();
  return (codes: readonly string[], atMs: number): string[] => {
    const fresh = codes.filter((code) => atMs - (lastSeen.get(code) ?? -Infinity) > goneMs);
    for (const code of codes) lastSeen.set(code, atMs);
    return [...new Set(fresh)];
  };
}

/** Why the camera cannot be used, in words for the cashier. */
export function cameraProblem(error: unknown): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The camera is blocked for the till. Allow the camera in the browser’s site settings, or use the scanner.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'This device has no camera the till can use. Use the scanner or search by name.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another app or could not start. Close the other app and try again.';
    case 'NoMediaDevices':
      return 'Camera scanning needs the till to be opened over https.';
    default:
      return `The camera could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The back camera when there is one (phones and tablets); any camera otherwise. */
export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new DOMException('navigator.mediaDevices is not available', 'NoMediaDevices');
  }
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
}

/** A short beep that says "got it" (no sound file to cache). */
export function beep(): void {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 1_800;
    gain.gain.value = 0.15;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.09);
    tone.onended = () => void audio.close();
  } catch {
    // No audio (a browser policy, no output device): the flash on screen still says it.
  }
}
