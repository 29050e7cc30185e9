import * as assert from "node:assert/strict";
import { errorText, formatError } from "../../src/format";

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

describe("errorText", () => {
  it("gives an Error's message alone, and any other value as text", () => {
    assert.equal(errorText(new TypeError("the disk is full", { cause: new Error("inner") })), "the disk is full");
    assert.equal(errorText("plain"), "plain");
    assert.equal(errorText(404), "404");
  });
});
