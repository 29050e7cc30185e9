/**
 * `data:` URIs (RFC 2397, parsed as the WHATWG fetch spec does, but strict about the MIME type) and
 * the base64 they carry, on `Uint8Array`s. No Buffer, no Node APIs: also used in the webview.
 *
 * Base64 is implemented here with lookup tables (one pass, preallocated output, no string built
 * character by character), rather than with `atob`/`btoa`, which need a "binary string" copy of
 * the data: a 10 MB image encodes or decodes in a few tens of milliseconds.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE = new Uint8Array(64);
/** char code → 0..63 for alphabet characters, -1 for invalid, -2 for ASCII whitespace, -3 for "=". */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  const code = ALPHABET.charCodeAt(i);
  ENCODE[i] = code;
  DECODE[code] = i;
}
for (const ws of [0x09, 0x0a, 0x0c, 0x0d, 0x20]) DECODE[ws] = -2;
DECODE[0x3d] = -3;

const asciiDecoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  const whole = n - (n % 3);
  for (; i < whole; i += 3) {
    const v = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out[o++] = ENCODE[v >>> 18] ?? 0;
    out[o++] = ENCODE[(v >>> 12) & 63] ?? 0;
    out[o++] = ENCODE[(v >>> 6) & 63] ?? 0;
    out[o++] = ENCODE[v & 63] ?? 0;
  }
  const rest = n - whole;
  if (rest > 0) {
    const v = ((bytes[i] ?? 0) << 16) | (rest === 2 ? (bytes[i + 1] ?? 0) << 8 : 0);
    out[o++] = ENCODE[v >>> 18] ?? 0;
    out[o++] = ENCODE[(v >>> 12) & 63] ?? 0;
    out[o++] = rest === 2 ? (ENCODE[(v >>> 6) & 63] ?? 0) : 0x3d;
    out[o] = 0x3d;
  }
  // Every byte is ASCII, so UTF-8 decoding is exact (and fast, in one call).
  return asciiDecoder.decode(out);
}

/**
 * Decodes base64 the way the fetch spec's "forgiving-base64 decode" does: ASCII whitespace is
 * ignored, the `=` padding is optional (but at most two, only at the end, and consistent with the
 * length), a length of 4k+1 characters is invalid. Returns `undefined` for invalid input
 * (other characters, including the URL-safe `-` and `_`).
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const len = text.length;
  // Size for the usual case (no whitespace); shrunk at the end if the guess was too big.
  let padGuess = 0;
  if (len > 0 && text.charCodeAt(len - 1) === 0x3d) padGuess++;
  if (len > 1 && text.charCodeAt(len - 2) === 0x3d) padGuess++;
  const out = new Uint8Array(Math.floor(((len - padGuess) * 3) / 4) + 3);
  let o = 0;
  let acc = 0;
  let count = 0; // alphabet characters seen
  let pad = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const d = c < 128 ? (DECODE[c] ?? -1) : -1;
    if (d >= 0) {
      if (pad > 0) return undefined; // data after padding
      acc = (acc << 6) | d;
      count++;
      if ((count & 3) === 0) {
        out[o++] = (acc >>> 16) & 0xff;
        out[o++] = (acc >>> 8) & 0xff;
        out[o++] = acc & 0xff;
        acc = 0;
      }
    } else if (d === -2) {
      continue;
    } else if (d === -3) {
      pad++;
      if (pad > 2) return undefined;
    } else {
      return undefined;
    }
  }
  const tail = count & 3;
  if (tail === 1) return undefined;
  if (pad > 0 && (tail + pad) % 4 !== 0) return undefined;
  if (tail === 2) {
    out[o++] = (acc >>> 4) & 0xff;
  } else if (tail === 3) {
    out[o++] = (acc >>> 10) & 0xff;
    out[o++] = (acc >>> 2) & 0xff;
  }
  return o === out.length ? out : out.slice(0, o);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * URL percent-decoding to bytes: characters are taken as UTF-8, `%XX` becomes the byte XX, a `%`
 * not followed by two hex digits stays as it is (as in the URL standard).
 */
function percentDecode(text: string): Uint8Array {
  const input = utf8Encoder.encode(text);
  if (!input.includes(0x25)) return input;
  const out = new Uint8Array(input.length);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i] ?? 0;
    if (b === 0x25 && i + 2 < input.length) {
      const hi = hexValue(input[i + 1] ?? 0);
      const lo = hexValue(input[i + 2] ?? 0);
      if (hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[o++] = b;
  }
  return out.slice(0, o);
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MIME_ESSENCE = new RegExp(`^${TOKEN}/${TOKEN}$`);
const MIME_WITH_PARAMS = new RegExp(
  `^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\\\r\\n]|\\\\.)*"))*$`,
);

/** Leading/trailing C0 controls and spaces, which the URL parser strips. */
const URL_EDGE_SPACE = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;

export interface DecodedDataUri {
  /** The MIME type's essence, lower-cased, without parameters (`image/png`); `text/plain` if empty. */
  mime: string;
  bytes: Uint8Array;
}

/**
 * Decodes `data:<mime>[;params][;base64],<data>`. The scheme and the `;base64` flag are
 * case-insensitive; the body is percent-decoded, then base64-decoded if flagged (see
 * {@link decodeBase64}). An empty MIME type means `text/plain`. Returns `undefined` for anything
 * malformed: not a data URI, no comma, a MIME type that is not `type/subtype`, invalid base64.
 */
export function decodeDataUri(uri: string): DecodedDataUri | undefined {
  const text = uri.replace(URL_EDGE_SPACE, "");
  if (text.length < 5 || text.slice(0, 5).toLowerCase() !== "data:") return undefined;
  const comma = text.indexOf(",", 5);
  if (comma < 0) return undefined;
  const params = text.slice(5, comma).split(";");
  let base64 = false;
  const last = params[params.length - 1];
  if (params.length > 1 && last !== undefined && last.trim().toLowerCase() === "base64") {
    base64 = true;
    params.pop();
  }
  const essence = (params[0] ?? "").trim();
  let mime: string;
  if (essence === "") {
    mime = "text/plain";
  } else if (MIME_ESSENCE.test(essence)) {
    mime = essence.toLowerCase();
  } else {
    return undefined;
  }
  const body = text.slice(comma + 1);
  if (!base64) return { mime, bytes: percentDecode(body) };
  // Fast path: base64 bodies rarely contain "%".
  const b64 = body.includes("%") ? asciiDecoder.decode(percentDecode(body)) : body;
  const bytes = decodeBase64(b64);
  return bytes === undefined ? undefined : { mime, bytes };
}

/**
 * `data:<mime>;base64,<base64 of bytes>`. `mime` may carry parameters (`text/plain;charset=utf-8`);
 * throws a `RangeError` if it is not a valid MIME type (it would make the URI ambiguous).
 */
export function encodeDataUri(mime: string, bytes: Uint8Array): string {
  if (!MIME_WITH_PARAMS.test(mime)) {
    throw new RangeError(`Not a valid MIME type for a data URI: ${JSON.stringify(mime)}`);
  }
  return `data:${mime};base64,${encodeBase64(bytes)}`;
}
