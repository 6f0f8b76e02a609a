import QRCode from "qrcode-svg";

/**
 * The QR code of a ticket JWT as SVG. Error correction M tolerates screen glare and scratches
 * while keeping a ~400 character JWT at a version whose modules stay large: at 8 px per
 * module plus the standard 4-module quiet zone, a phone camera reads it from a screen.
 */
export function qrSvg(text: string): string {
  const probe = new QRCode({ content: text, ecl: "M", padding: 4 });
  const modules = probe.qrcode.getModuleCount() + 8;
  const size = modules * 8;
  const svg = new QRCode({ content: text, ecl: "M", padding: 4, width: size, height: size, join: true, xmlDeclaration: false, container: "svg" }).svg();
  // A viewBox lets apps scale the code to any size while width/height keep a sensible default.
  return svg.replace("<svg ", `<svg viewBox="0 0 ${size} ${size}" `);
}
