/**
 * Reads QR codes from the camera. The browser's own BarcodeDetector when it has one with QR
 * support; otherwise the `barcode-detector` ponyfill (ZXing compiled to WebAssembly), whose
 * .wasm is served from this app's own folder so that it works with no network.
 */
import { BarcodeDetector as ZXingDetector, prepareZXingModule } from "barcode-detector/ponyfill";

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

declare global {
  // Chromium on Android/macOS ships it; Linux desktop does not.
  var BarcodeDetector:
    | (new (opts: { formats: string[] }) => Detector) & { getSupportedFormats(): Promise<string[]> }
    | undefined;
}

export type DetectorKind = "native" | "zxing-wasm";

let detectorPromise: Promise<{ detector: Detector; kind: DetectorKind }> | undefined;

/** Loads (once) the decoder; the wasm is fetched from next to the app so the service worker caches it. */
export function qrDetector() {
  detectorPromise ??= (async () => {
    const Native = globalThis.BarcodeDetector;
    if (Native && (await Native.getSupportedFormats().catch((): string[] => [])).includes("qr_code"))
      return { detector: new Native({ formats: ["qr_code"] }), kind: "native" as const };
    const wasmUrl = new URL("zxing_reader.wasm", document.baseURI).href;
    await prepareZXingModule({
      overrides: { locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
      fireImmediately: true,
    });
    return { detector: new ZXingDetector({ formats: ["qr_code"] }), kind: "zxing-wasm" as const };
  })();
  detectorPromise.catch(() => (detectorPromise = undefined));
  return detectorPromise;
}

/** A code held in front of the camera is read once; it counts again after it was out of view this long. */
const ABSENCE_MS = 800;
const FRAME_GAP_MS = 40;

export interface CameraScanner {
  kind: DetectorKind;
  stop(): void;
}

/**
 * Starts the rear camera in `video` and calls `onCode` for each code that comes into view.
 * Decoding is sequential (one frame at a time), and `onCode` is awaited, so verdicts are shown
 * in the order tickets were presented.
 */
export async function startCameraScanner(
  video: HTMLVideoElement,
  onCode: (text: string, seenAt: number) => Promise<void>,
): Promise<CameraScanner> {
  const { detector, kind } = await qrDetector();
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();

  let running = true;
  let lastText: string | undefined;
  let lastSeen = 0;
  const loop = async () => {
    while (running) {
      if (video.readyState >= 2) {
        const seenAt = performance.now();
        let codes: { rawValue: string }[] = [];
        try {
          codes = await detector.detect(video);
        } catch (err) {
          console.warn("QR decode failed", err);
        }
        const text = codes.find((c) => c.rawValue)?.rawValue;
        if (text !== undefined) {
          const isNew = text !== lastText || seenAt - lastSeen > ABSENCE_MS;
          lastText = text;
          lastSeen = performance.now();
          if (isNew && running) await onCode(text, seenAt);
        }
      }
      await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
    }
  };
  void loop();
  return {
    kind,
    stop() {
      running = false;
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
}
