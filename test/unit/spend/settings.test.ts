import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ENDPOINTS } from "../../../src/api";

const ROOT = path.resolve(__dirname, "../../../..");
const NLS = JSON.parse(fs.readFileSync(path.join(ROOT, "package.nls.json"), "utf8")) as Record<string, string>;
/** A manifest string as a person reads it: `%key%` looked up in package.nls.json. */
const nlsText = (v: string | undefined): string => (v && /^%[^%]+%$/.test(v) ? (NLS[v.slice(1, -1)] ?? v) : (v ?? ""));

interface Schema {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  scope?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  markdownDescription?: string;
}

describe("spend: the settings in package.json", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    contributes: { configuration: { properties: Record<string, Schema> }; commands: { command: string }[] };
  };
  const props = pkg.contributes.configuration.properties;

  it("grokImagine.prices offers exactly the API's endpoints, each a price from 0 to 100 (api/price's bounds)", () => {
    const prices = props["grokImagine.prices"];
    assert.ok(prices);
    assert.equal(prices.type, "object");
    assert.deepEqual(Object.keys(prices.properties ?? {}), ENDPOINTS.map((e) => e.id));
    for (const p of Object.values(prices.properties ?? {})) assert.deepEqual([p.type, p.minimum, p.maximum], ["number", 0, 100]);
    assert.equal(prices.additionalProperties, false);
    // A workspace must not change what a person is told a request costs.
    assert.equal(prices.scope, "application");
  });

  it("grokImagine.confirmAboveUsd defaults to 1.00, a user setting that says its rule for unknown prices", () => {
    const c = props["grokImagine.confirmAboveUsd"];
    assert.ok(c);
    assert.deepEqual([c.type, c.default, c.minimum, c.scope], ["number", 1, 0, "application"]);
    assert.match(nlsText(c.markdownDescription), /`0` asks before every request, including those whose price is unknown/);
  });

  it("contributes Show Spend and Show Running Jobs", () => {
    const ids = pkg.contributes.commands.map((c) => c.command);
    assert.ok(ids.includes("grokImagine.showSpend"));
    assert.ok(ids.includes("grokImagine.showJobs"));
  });
});
