import * as assert from "node:assert/strict";
import { formatError } from "../../src/format";

describe("formatError", () => {
  it("names an Error and follows its cause chain", () => {
    const err = new TypeError("outer", { cause: new Error("inner", { cause: "root" }) });
    assert.equal(formatError(err), "TypeError: outer (cause: Error: inner (cause: root))");
  });
  it("prints strings as they are and other values as JSON", () => {
    assert.equal(formatError("plain"), "plain");
    assert.equal(formatError({ code: 7 }), '{"code":7}');
  });
  it("does not throw on a value JSON cannot print", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    assert.equal(formatError(cyclic), "[object Object]");
    assert.equal(formatError(10n), "10");
  });
});
