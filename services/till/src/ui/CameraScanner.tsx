// The camera as a barcode scanner: a viewfinder over the sell screen (a modal <dialog>: focus stays
// in it, Escape closes it). Each code it reads is handed to the sell screen exactly as a wedge scan
// is, with a beep and a flash; a code counts once while it stays in view. A camera that is blocked
// or missing says so in plain words.
import { useEffect, useRef, useState } from 'react';
import { barcodeDetector, beep, cameraProblem, newCodes, openCamera } from '../camera.ts';

/** How often a frame is read: fast enough to feel instant, light enough for a phone. */
const FRAME_INTERVAL_MS = 120;
const FLASH_MS = 600;

export function CameraScanner({
  onCode,
  onClose,
}: {
  /** A code was read; answers what became of it ("Added Mug", "No product has the code …"). */
  onCode: (code: string) => string;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string>();
  const [scanning, setScanning] = useState(false);
  const [lastRead, setLastRead] = useState<{ message: string; at: number }>();
  const [flashing, setFlashing] = useState(false);
  const handlers = useRef({ onCode, onClose });
  handlers.current = { onCode, onClose };

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fresh = newCodes();
    const start = async () => {
      try {
        const { detector } = await barcodeDetector();
        if (stopped) return;
        stream = await openCamera();
        const element = video.current;
        if (stopped || !element) return;
        element.srcObject = stream;
        await element.play();
        setScanning(true);
        const readFrame = async () => {
          if (stopped) return;
          if (element.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
            const found = await detector.detect(element);
            for (const code of fresh(
              found.map((barcode) => barcode.rawValue),
              performance.now(),
            )) {
              beep();
              setFlashing(true);
              setTimeout(() => setFlashing(false), FLASH_MS);
              setLastRead({ message: handlers.current.onCode(code), at: Date.now() });
            }
          }
          if (!stopped) timer = setTimeout(() => void readFrame().catch(fail), FRAME_INTERVAL_MS);
        };
        await readFrame();
      } catch (error) {
        fail(error);
      }
    };
    const fail = (error: unknown) => {
      if (stopped) return;
      setScanning(false);
      setProblem(cameraProblem(error));
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    void start();
    return () => {
      stopped = true;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="camera-dialog"
      aria-labelledby="camera-title"
      onCancel={(event) => {
        event.preventDefault();
        handlers.current.onClose();
      }}
    >
      <div className="row">
        <h2 id="camera-title" className="grow">
          Scan with the camera
        </h2>
        <button type="button" className="secondary" onClick={() => handlers.current.onClose()}>
          Close camera
        </button>
      </div>
      <div
        className={flashing ? 'viewfinder flash' : 'viewfinder'}
        data-testid="viewfinder"
        hidden={problem !== undefined}
      >
        <video ref={video} muted playsInline aria-label="Camera picture" />
        {scanning && <div className="aim" aria-hidden="true" />}
      </div>
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : (
        <p className="muted" aria-live="polite" data-testid="camera-status">
          {lastRead
            ? lastRead.message
            : scanning
              ? 'Hold the barcode inside the frame.'
              : 'Starting the camera…'}
        </p>
      )}
    </dialog>
  );
}
