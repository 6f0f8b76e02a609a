import { describe, it } from "vitest";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { paidOrder } from "./support/checkout";
import { decodeQrSvg, rasterizeQrSvg } from "./support/qr";
import QRCode from "qrcode-svg";
import { qrSvg } from "../src/worker/tickets/qr";

describe("ticket QR code", () => {
  it("decodes to exactly the ticket's JWT, with modules big enough for a phone camera", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { paid } = await paidOrder(ev, buyer, { seats: ["R-A-3"] });
    const ticket = paid.tickets[0];
    const res = await call("GET", `/api/v1/tickets/${ticket.ticket_id}/qr.svg`, { token: buyer.token });
    expect(res.status).toBe(200);
    // Scalable: the viewBox spans exactly the drawn size, so apps can resize it without cropping.
    const width = /<svg[^>]*width="([\d.]+)"/.exec(res.body)![1];
    expect(res.body).toMatch(new RegExp(`<svg[^>]*viewBox="0 0 ${width} ${width}"`));
    expect(rasterizeQrSvg(res.body).moduleSize).toBeGreaterThanOrEqual(8);
    // Decode a half-size image: modules are still 4 px.
    const [found] = await decodeQrSvg(res.body, 0.5);
    expect(found?.text).toBe(ticket.jwt);
    expect(found?.ecLevel).toMatch(/^[LM]$/);
  });

  it("draws the same SVG as sizing from a first matrix and drawing a second one", ({ expect }) => {
    // The matrix is computed once; the reference computes it twice, as the code did before.
    for (const text of ["x", "https://tickets.example/enroll/abc", "eyJhbGciOiJFZERTQSJ9." + "a".repeat(300) + ".sig"]) {
      const modules = new QRCode({ content: text, ecl: "M", padding: 4 }).qrcode.getModuleCount() + 8;
      const size = modules * 8;
      const reference = new QRCode({ content: text, ecl: "M", padding: 4, width: size, height: size, join: true, xmlDeclaration: false, container: "svg" })
        .svg()
        .replace("<svg ", `<svg viewBox="0 0 ${size} ${size}" `);
      expect(qrSvg(text)).toBe(reference);
    }
  });
});
