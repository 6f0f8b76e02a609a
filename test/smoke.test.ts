import { exports } from "cloudflare:workers";
import { it } from "vitest";

it("answers unknown routes with the contract's JSON 404", async ({ expect }) => {
  const res = await exports.default.fetch("https://t.test/api/v1/nope");
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
});
