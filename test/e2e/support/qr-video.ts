/**
 * Turns a ticket's QR image (the SVG served by /api/v1/tickets/{id}/qr.svg) into a video file
 * for Chromium's fake camera (`--use-file-for-fake-video-capture`): YUV4MPEG2, 4:2:0, with the
 * code in view for a while, then an empty frame for a while, looping - as a ticket is shown,
 * taken away and shown again.
 */
import { writeFile } from "node:fs/promises";

export interface Bitmap {
  width: number;
  height: number;
  /** 1 for dark pixels. */
  dark: Uint8Array;
}

/** Rasterises the black rectangles of an SVG (qrcode-svg draws `<rect>`s or a path of rectangles). */
export function rasterizeSvg(svg: string): Bitmap {
  const width = Math.round(Number(/<svg[^>]*\bwidth="([\d.]+)"/.exec(svg)?.[1]));
  const height = Math.round(Number(/<svg[^>]*\bheight="([\d.]+)"/.exec(svg)?.[1]));
  if (!(width > 0 && height > 0)) throw new Error("SVG without width/height");
  const dark = new Uint8Array(width * height);
  const fill = (x0: number, y0: number, x1: number, y1: number) => {
    for (let y = Math.max(0, Math.round(y0)); y < Math.min(height, Math.round(y1)); y++)
      dark.fill(1, y * width + Math.max(0, Math.round(x0)), y * width + Math.min(width, Math.round(x1)));
  };
  const isBlack = (tag: string) => /fill:\s*#000(000)?\b|fill="#000(000)?"|fill="black"/.test(tag);
  for (const tag of svg.match(/<rect\b[^>]*>/g) ?? []) {
    if (!isBlack(tag)) continue;
    const n = (a: string) => Number(new RegExp(`\\b${a}="([\\d.]+)"`).exec(tag)?.[1] ?? 0);
    fill(n("x"), n("y"), n("x") + n("width"), n("y") + n("height"));
  }
  for (const tag of svg.match(/<path\b[^>]*>/g) ?? []) {
    if (!isBlack(tag)) continue;
    const d = /\bd="([^"]+)"/.exec(tag)?.[1] ?? "";
    // Each sub-path is one axis-aligned rectangle drawn with absolute M/H/V/L commands.
    for (const sub of d.split(/(?=M)/)) {
      const tokens = sub.match(/[MHVLZ]|-?[\d.]+/g) ?? [];
      let cmd = "";
      let x = 0;
      let y = 0;
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]!;
        if (/[A-Z]/.test(t)) {
          cmd = t;
          continue;
        }
        if (cmd === "M" || cmd === "L") {
          x = Number(t);
          y = Number(tokens[++i]);
        } else if (cmd === "H") x = Number(t);
        else if (cmd === "V") y = Number(t);
        xs.push(x);
        ys.push(y);
      }
      if (xs.length) fill(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys));
    }
  }
  return { width, height, dark };
}

export interface VideoOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Frames with the code in view, then frames without it. */
  onFrames?: number;
  offFrames?: number;
}

/** Writes a looping y4m clip: the bitmap centred on white, scaled to fit, then blank frames. */
export async function writeQrVideo(file: string, qr: Bitmap, opts: VideoOptions = {}): Promise<void> {
  const { width = 640, height = 480, fps = 10, onFrames = 10, offFrames = 15 } = opts;
  const size = Math.min(width, height) - 20;
  const ox = Math.floor((width - size) / 2);
  const oy = Math.floor((height - size) / 2);
  const lumaOn = new Uint8Array(width * height).fill(235);
  for (let fy = 0; fy < size; fy++) {
    const sy = Math.floor((fy * qr.height) / size);
    for (let fx = 0; fx < size; fx++) {
      const sx = Math.floor((fx * qr.width) / size);
      if (qr.dark[sy * qr.width + sx]) lumaOn[(oy + fy) * width + ox + fx] = 16;
    }
  }
  const lumaOff = new Uint8Array(width * height).fill(235);
  const chroma = new Uint8Array((width / 2) * (height / 2) * 2).fill(128);
  const frame = Buffer.from("FRAME\n");
  const parts: Uint8Array[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < onFrames + offFrames; i++) parts.push(frame, i < onFrames ? lumaOn : lumaOff, chroma);
  await writeFile(file, Buffer.concat(parts));
}
