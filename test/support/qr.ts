/**
 * Reads the QR codes the API serves with an independent decoder (ZXing, as wasm): the SVG's
 * filled squares (rects, and the `M x,y V y2 H x2 V y H x Z` subpaths that qrcode-svg writes)
 * are drawn black on white, as a screen would show them, then decoded.
 */
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";
// workerd imports .wasm files as compiled WebAssembly modules.
import zxingWasm from "../../node_modules/zxing-wasm/dist/reader/zxing_reader.wasm";

prepareZXingModule({
  overrides: {
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
      void WebAssembly.instantiate(zxingWasm as WebAssembly.Module, imports).then(done);
      return {};
    },
  },
});

type Image = Parameters<typeof readBarcodes>[0];

/**
 * RGBA pixels of the SVG drawn at `scale`, and the side of one module in SVG units (the first
 * square's), so a test can check that modules are big enough for a phone camera.
 */
export function rasterizeQrSvg(svg: string, scale = 1): { image: Image; moduleSize: number } {
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!size) throw new Error("SVG without width/height");
  const width = Math.round(Number(size[1]) * scale);
  const height = Math.round(Number(size[2]) * scale);
  const squares: [x0: number, y0: number, x1: number, y1: number][] = [];
  for (const m of svg.matchAll(/M\s*([\d.]+)[ ,]([\d.]+)\s*V\s*([\d.]+)\s*H\s*([\d.]+)/g)) squares.push([+m[1]!, +m[2]!, +m[4]!, +m[3]!]);
  for (const m of svg.matchAll(/<rect\s+x="([\d.]+)"\s+y="([\d.]+)"\s+width="([\d.]+)"\s+height="([\d.]+)"[^>]*fill:#000000/g))
    squares.push([+m[1]!, +m[2]!, +m[1]! + +m[3]!, +m[2]! + +m[4]!]);
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  for (const [x0, y0, x1, y1] of squares) {
    for (let y = Math.max(0, Math.round(y0 * scale)); y < Math.min(height, Math.round(y1 * scale)); y++)
      for (let x = Math.max(0, Math.round(x0 * scale)); x < Math.min(width, Math.round(x1 * scale)); x++)
        data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  }
  const moduleSize = squares.length ? squares[0]![3] - squares[0]![1] : 0;
  return { image: { data, width, height, colorSpace: "srgb" } as unknown as Image, moduleSize };
}

/** Every QR code found in the SVG (drawn at `scale`), with its text and error correction level. */
export function decodeQrSvg(svg: string, scale = 1) {
  return readBarcodes(rasterizeQrSvg(svg, scale).image, { formats: ["QRCode"], tryHarder: true });
}
