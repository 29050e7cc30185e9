import * as assert from "node:assert/strict";
import { formatOf, MAX_FILE_BYTES, MAX_LINES, parseCsv, parsePrompts } from "../../../src/batch/parse";

describe("batch/parse: prompts files", () => {
  it("knows the three formats by extension, case-insensitively", () => {
    assert.equal(formatOf("a/b/prompts.TXT"), "txt");
    assert.equal(formatOf("x.jsonl"), "jsonl");
    assert.equal(formatOf("x.csv"), "csv");
    assert.equal(formatOf("x.json"), undefined);
  });

  it(".txt: one prompt per non-blank line, # lines are comments, line numbers are the file's", () => {
    const r = parsePrompts("txt", "\uFEFFa red fox\r\n\n  # a note\n  a blue whale  \r#x\nthird");
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.lines.map((l) => [l.line, l.fields.prompt]), [[1, "a red fox"], [4, "a blue whale"], [6, "third"]]);
  });

  it(".jsonl: each line an object; bad JSON and non-objects are problems with their line", () => {
    const r = parsePrompts("jsonl", '{"prompt":"a"}\n\n[1]\n{oops\n"text"\n{"prompt":"b","num_images":2}\n');
    assert.deepEqual(r.lines.map((l) => l.line), [1, 6]);
    assert.deepEqual(r.problems.map((p) => p.line), [3, 4, 5]);
    assert.match(r.problems[1].message, /not valid JSON/);
    assert.equal(r.lines[1].fields.num_images, 2);
    assert.equal(r.lines[0].fromText, false);
  });

  it("caps the file's size and its number of requests", () => {
    const big = parsePrompts("txt", "x".repeat(MAX_FILE_BYTES + 1));
    assert.equal(big.lines.length, 0);
    assert.match(big.problems[0].message, /larger than/);
    const many = parsePrompts("txt", Array.from({ length: MAX_LINES + 5 }, (_, i) => `p${i}`).join("\n"));
    assert.equal(many.lines.length, MAX_LINES);
    assert.deepEqual(many.problems.map((p) => p.line), [MAX_LINES + 1]);
  });

  it("reads a long file in linear time (100k lines of 10 chars well under a second)", () => {
    const text = "abcdefghi\n".repeat(100_000);
    const t0 = process.hrtime.bigint();
    parsePrompts("txt", text);
    parseCsv(text);
    assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 1000);
  });
});

describe("batch/parse: CSV (RFC 4180)", () => {
  it("quotes, doubled quotes, commas and line breaks inside quotes, CRLF", () => {
    const { records, problems } = parseCsv('prompt,name\r\n"a, b","say ""hi"""\r\n"two\nlines",x\nlast,\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(records.map((r) => [r.line, r.cells]), [
      [1, ["prompt", "name"]],
      [2, ["a, b", 'say "hi"']],
      [3, ["two\nlines", "x"]],
      [5, ["last", ""]],
    ]);
  });

  it("an unclosed quote and text after a closing quote are problems on their record's line", () => {
    const a = parseCsv('prompt\n"ok"\n"bad"x\n');
    assert.deepEqual(a.problems.map((p) => p.line), [3]);
    const b = parseCsv('prompt\n"never closed\nmore');
    assert.deepEqual(b.problems.map((p) => p.line), [2]);
    assert.match(b.problems[0].message, /never closed/);
  });

  it("rows become field objects by the header; empty cells leave the field out; wrong cell counts are problems", () => {
    const r = parsePrompts("csv", "prompt,num_images,name\nfox,2,\nwhale\n,,\n");
    assert.deepEqual(r.lines.map((l) => [l.line, l.fields]), [[2, { prompt: "fox", num_images: "2" }], [4, {}]]);
    assert.ok(r.lines.every((l) => l.fromText));
    assert.deepEqual(r.problems.map((p) => p.line), [3]);
  });

  it("a header named __proto__ makes a field, not a prototype", () => {
    const r = parsePrompts("csv", "prompt,__proto__\nfox,x\n");
    assert.equal(Object.getPrototypeOf(r.lines[0].fields), Object.prototype);
    assert.equal(Object.hasOwn(r.lines[0].fields, "__proto__"), true);
  });

  it("a header with an empty or repeated name is refused", () => {
    assert.match(parsePrompts("csv", "prompt,,x\na,b,c").problems[0].message, /empty field name/);
    assert.match(parsePrompts("csv", "prompt,prompt\na,b").problems[0].message, /twice/);
    assert.match(parsePrompts("csv", "").problems[0].message, /no header/);
  });
});
