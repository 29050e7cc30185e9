import * as assert from "node:assert/strict";
import { keyProblem } from "../../src/keyRules";

describe("what a fal API key must look like", () => {
  it("takes a key-id:key-secret pair, trimmed", () => {
    assert.equal(keyProblem("1234abcd-5678:0123456789abcdef"), undefined);
    assert.equal(keyProblem("  1234abcd-5678:0123456789abcdef \n"), undefined);
  });
  for (const [what, value, says] of [
    ["nothing", "   ", /Paste the key/],
    ["a space inside", "abcd efgh:ijkl", /no spaces/],
    ["a character that cannot travel in a header", "abcdé:fghijkl", /letters, digits and punctuation/],
    ["a control character", "abcd\u0000efgh:ij", /letters, digits and punctuation|no spaces/],
    ["too few characters", "ab:cd", /too short/],
  ] as const) {
    it(`refuses ${what}, saying why`, () => assert.match(keyProblem(value) ?? "", says));
  }
});
