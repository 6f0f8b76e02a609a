import QRCode from "qrcode-svg";

/**
 * The QR code of a ticket JWT as SVG. Error correction M tolerates screen glare and scratches
 * while keeping a ~400 character JWT at a version whose modules stay large: at 8 px per
 * module plus the standard 4-module quiet zone, a phone camera reads it from a screen.
 */
export function qrSvg(text: string): string {
  // The constructor computes the matrix (trying all eight masks: nearly all of the cost); svg()
  // only draws it and reads the size from the options when it does, so the size that depends on
  // the matrix is set afterwards instead of computing the matrix a second time.
  const qr = new QRCode({ content: text, ecl: "M", padding: 4, join: true, xmlDeclaration: false, container: "svg" });
  const size = (qr.qrcode.getModuleCount() + 8) * 8;
  Object.assign((qr as unknown as { options: QRCode.Options }).options, { width: size, height: size });
  // A viewBox lets apps scale the code to any size while width/height keep a sensible default.
  return qr.svg().replace("<svg ", `<svg viewBox="0 0 ${size} ${size}" `);
}
