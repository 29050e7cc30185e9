import assert from "node:assert/strict";
import { decodeBase64, decodeDataUri, encodeBase64, encodeDataUri } from "../../../src/images/dataUri";

/** Deterministic pseudo-random bytes (mulberry32), so failures are reproducible. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

/** Node's own base64, as an independent reference (Buffer is fine in tests, not in the API). */
const nodeBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function decoded(uri: string): { mime: string; bytes: Uint8Array } {
  const result = decodeDataUri(uri);
  if (result === undefined) assert.fail(`expected ${JSON.stringify(uri.slice(0, 80))} to decode`);
  return result;
}

function assertPlainUint8Array(bytes: Uint8Array): void {
  assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype, "must be a plain Uint8Array, not a Buffer");
}

describe("images/dataUri: base64", () => {
  it("matches the RFC 4648 test vectors", () => {
    const vectors: [string, string][] = [
      ["", ""], ["f", "Zg=="], ["fo", "Zm8="], ["foo", "Zm9v"], ["foob", "Zm9vYg=="], ["fooba", "Zm9vYmE="], ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, b64] of vectors) {
      assert.equal(encodeBase64(ascii(plain)), b64);
      assert.deepEqual(decodeBase64(b64), ascii(plain));
    }
  });

  it("agrees with Node's base64 for every length up to 300 and all byte values", () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = randomBytes(n, n + 1);
      const b64 = encodeBase64(bytes);
      assert.equal(b64, nodeBase64(bytes));
      assert.deepEqual(decodeBase64(b64), bytes);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(encodeBase64(all), nodeBase64(all));
  });

  it("decodes forgivingly: whitespace, missing padding", () => {
    assert.deepEqual(decodeBase64("Zm9v\nYmE=\r\n"), ascii("fooba"));
    assert.deepEqual(decodeBase64(" Z g = = "), ascii("f"));
    assert.deepEqual(decodeBase64("Zg"), ascii("f"));
    assert.deepEqual(decodeBase64("Zm8"), ascii("fo"));
    assert.deepEqual(decodeBase64("\t"), new Uint8Array());
  });

  it("rejects invalid base64", () => {
    for (const bad of ["Z", "Zm9vY", "Zg=", "Zg===", "Zm9v=", "=", "==", "Zg==Zg==", "Zg=a", "Zm9v-_", "Zm9v!", "Zm9v\u00e9", "Zm9v\u0000", "Zm 9v\u00a0"]) {
      assert.equal(decodeBase64(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe("images/dataUri: decodeDataUri / encodeDataUri", () => {
  it("round-trips 0, 1, 2 and 3 bytes", () => {
    for (const bytes of [new Uint8Array(), Uint8Array.of(0), Uint8Array.of(0xff, 0x00), Uint8Array.of(0xfb, 0xff, 0xbf)]) {
      const uri = encodeDataUri("image/png", bytes);
      assert.equal(uri, `data:image/png;base64,${nodeBase64(bytes)}`);
      const back = decoded(uri);
      assert.equal(back.mime, "image/png");
      assert.deepEqual(back.bytes, bytes);
      assertPlainUint8Array(back.bytes);
    }
  });

  it("round-trips 1 MB of random bytes", () => {
    const bytes = randomBytes(1 << 20, 42);
    const uri = encodeDataUri("image/webp", bytes);
    assert.equal(uri.length, "data:image/webp;base64,".length + Math.ceil(bytes.length / 3) * 4);
    assert.equal(uri.slice(23), nodeBase64(bytes));
    const back = decoded(uri);
    assert.equal(back.mime, "image/webp");
    assert.equal(back.bytes.length, bytes.length);
    assert.ok(Buffer.from(back.bytes).equals(Buffer.from(bytes)));
  });

  it("encodes and decodes 10 MB quickly", () => {
    const bytes = randomBytes(10 * 1024 * 1024 + 1, 7);
    const start = performance.now();
    const uri = encodeDataUri("image/jpeg", bytes);
    const back = decoded(uri);
    const elapsed = performance.now() - start;
    assert.equal(back.bytes.length, bytes.length);
    assert.equal(back.bytes[bytes.length - 1], bytes[bytes.length - 1]);
    assert.ok(elapsed < 1500, `10 MB round trip took ${elapsed.toFixed(0)} ms`);
  });

  it("decodes fal-style and unusual but valid data URIs", () => {
    assert.deepEqual(decoded("data:image/jpeg;base64,/9j/"), { mime: "image/jpeg", bytes: Uint8Array.of(0xff, 0xd8, 0xff) });
    assert.deepEqual(decoded("DATA:Image/PNG;BASE64,Zm9v"), { mime: "image/png", bytes: ascii("foo") });
    assert.deepEqual(decoded("data:image/png;name=a.png;base64,Zm9v"), { mime: "image/png", bytes: ascii("foo") });
    assert.deepEqual(decoded("data:image/png ; base64 ,Zm9v".replace(" ,", ",")), { mime: "image/png", bytes: ascii("foo") });
    assert.deepEqual(decoded("  data:image/png;base64,Zm9v\n"), { mime: "image/png", bytes: ascii("foo") });
    assert.deepEqual(decoded("data:image/png;base64,Zm9v%2Bw%3D%3D"), { mime: "image/png", bytes: new Uint8Array(Buffer.from("Zm9v+w==", "base64")) });
    assert.deepEqual(decoded("data:;base64,Zm9v"), { mime: "text/plain", bytes: ascii("foo") });
    assert.deepEqual(decoded("data:image/png;base64,"), { mime: "image/png", bytes: new Uint8Array() });
  });

  it("decodes percent-encoded (non-base64) data URIs", () => {
    assert.deepEqual(decoded("data:,Hello%2C%20World%21"), { mime: "text/plain", bytes: ascii("Hello, World!") });
    assert.deepEqual(decoded("data:text/plain;charset=utf-8,%E2%9C%93"), { mime: "text/plain", bytes: Uint8Array.of(0xe2, 0x9c, 0x93) });
    assert.deepEqual(decoded("data:,caf\u00e9"), { mime: "text/plain", bytes: Uint8Array.of(0x63, 0x61, 0x66, 0xc3, 0xa9) });
    assert.deepEqual(decoded("data:,100%"), { mime: "text/plain", bytes: ascii("100%") });
    assert.deepEqual(decoded("data:,%zz%4"), { mime: "text/plain", bytes: ascii("%zz%4") });
    assert.deepEqual(decoded("data:image/svg+xml,%3Csvg%2F%3E"), { mime: "image/svg+xml", bytes: ascii("<svg/>") });
    assert.deepEqual(decoded("data:,a,b"), { mime: "text/plain", bytes: ascii("a,b") });
    assert.deepEqual(decoded("data:text/plain;base64x,Zm9v"), { mime: "text/plain", bytes: ascii("Zm9v") });
    assertPlainUint8Array(decoded("data:,abc").bytes);
  });

  it("rejects malformed data URIs", () => {
    const bad = [
      "",
      "data:",
      "data:image/png;base64",
      "dat:image/png;base64,Zm9v",
      "https://example.com/a.png",
      "blob:data:image/png;base64,Zm9v",
      "data:image png;base64,Zm9v",
      "data:image;base64,Zm9v",
      "data:image/;base64,Zm9v",
      "data:/png;base64,Zm9v",
      "data:image/png/x;base64,Zm9v",
      "data:image/png;base64,Zm9v!",
      "data:image/png;base64,Z",
      "data:image/png;base64,Zm9v=",
      "data:image/png;base64,%E2%9C%93",
      "data:image/png;base64,Zm9v,YmFy",
    ];
    for (const uri of bad) assert.equal(decodeDataUri(uri), undefined, JSON.stringify(uri));
  });

  it("validates the MIME type when encoding", () => {
    assert.equal(encodeDataUri("text/plain;charset=utf-8", ascii("hi")), "data:text/plain;charset=utf-8;base64,aGk=");
    assert.equal(encodeDataUri('text/plain; charset="utf-8"', ascii("")), 'data:text/plain; charset="utf-8";base64,');
    for (const bad of ["", "png", "image/png,evil", "image/png;", "image /png", "image/png\n", "image/png;base64,"]) {
      assert.throws(() => encodeDataUri(bad, ascii("x")), RangeError, JSON.stringify(bad));
    }
  });
});
