import assert from "node:assert/strict";
import {
  editStemFromSource,
  fileNameKey,
  isReservedWindowsName,
  MAX_STEM_BYTES,
  MAX_STEM_CHARS,
  pickUniqueNames,
  stemFromPrompt,
  takenIn,
  tempNameFor,
} from "../../../src/images/naming";

const codePoints = (s: string): number => [...s].length;
const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

/** Throws on lone surrogates (encodeURIComponent rejects them). */
function assertWellFormed(s: string): void {
  assert.doesNotThrow(() => encodeURIComponent(s), `lone surrogate in ${JSON.stringify(s)}`);
}

/** The invariants every stem must satisfy. */
function assertSafeStem(stem: string, source: string): void {
  const what = `${JSON.stringify(source.slice(0, 50))} → ${JSON.stringify(stem)}`;
  assert.match(stem, /^[\p{L}\p{N}\p{M}-]+$/u, what);
  assert.doesNotMatch(stem, /^[-\p{M}]|-$|--/u, what);
  assert.ok(codePoints(stem) <= MAX_STEM_CHARS, what);
  assert.ok(utf8Bytes(stem) <= MAX_STEM_BYTES, what);
  assert.equal(stem, stem.normalize("NFC"), what);
  assert.equal(isReservedWindowsName(stem), false, what);
  assert.doesNotMatch(stem, /[<>:"/\\|?*.\s\p{Cc}\p{Cf}]/u, what);
  assertWellFormed(stem);
}

describe("images/naming: stemFromPrompt", () => {
  it("makes readable lower-case stems from plain prompts", () => {
    assert.equal(stemFromPrompt("A cat, in space!"), "a-cat-in-space");
    assert.equal(stemFromPrompt("  Sunset   over\tthe\nsea.  "), "sunset-over-the-sea");
    assert.equal(stemFromPrompt("16:9 poster — 2 robots"), "16-9-poster-2-robots");
    assert.equal(stemFromPrompt("snake_case and kebab-case"), "snake-case-and-kebab-case");
  });

  it("keeps letters and numbers of any script, NFC-normalised", () => {
    assert.equal(stemFromPrompt("Café crème"), "café-crème");
    assert.equal(stemFromPrompt("Cafe\u0301 cre\u0300me"), "café-crème"); // decomposed input → NFC
    assert.equal(stemFromPrompt("一只猫在太空中"), "一只猫在太空中");
    assert.equal(stemFromPrompt("قطة في الفضاء"), "قطة-في-الفضاء");
    assert.equal(stemFromPrompt("Кошка в космосе"), "кошка-в-космосе");
    assert.equal(stemFromPrompt("हिन्दी में बिल्ली"), "हिन्दी-में-बिल्ली"); // virama and vowel signs are kept
    assert.equal(stemFromPrompt("ΣΟΦΙΑ"), "σοφια");
    assert.equal(stemFromPrompt("q\u0303 x"), "q\u0303-x"); // a combining mark with no precomposed form stays
    assert.equal(stemFromPrompt("می‌خواهم"), "میخواهم"); // ZWNJ removed, the word stays whole
    assert.equal(stemFromPrompt("٣ قطط"), "٣-قطط");
  });

  it("drops emoji, including ZWJ sequences, flags, skin tones and keycaps", () => {
    assert.equal(stemFromPrompt("👨‍👩‍👧 family 🇫🇷 flag"), "family-flag");
    assert.equal(stemFromPrompt("🏴󠁧󠁢󠁥󠁮󠁧󠁿 england"), "england");
    assert.equal(stemFromPrompt("thumbs 👍🏽 up"), "thumbs-up");
    assert.equal(stemFromPrompt("❤️love❤️"), "love");
    assert.equal(stemFromPrompt("1️⃣ two"), "1-two");
    assert.equal(stemFromPrompt("🐱🐶"), "image");
  });

  it("turns separators, punctuation and control characters into single dashes", () => {
    assert.equal(stemFromPrompt('a<b>c:d"e/f\\g|h?i*j'), "a-b-c-d-e-f-g-h-i-j");
    assert.equal(stemFromPrompt("../../etc/passwd"), "etc-passwd");
    assert.equal(stemFromPrompt("..\\..\\Windows\\System32"), "windows-system32");
    assert.equal(stemFromPrompt("a\u0000b\u0007c\u001bd\u007fe"), "a-b-c-d-e");
    assert.equal(stemFromPrompt("right\u202Eto\u202Cleft"), "righttoleft"); // bidi controls removed
    assert.equal(stemFromPrompt("zero\u200Bwidth"), "zero-width");
  });

  it("trims dots, dashes and spaces at the ends", () => {
    assert.equal(stemFromPrompt("...hidden"), "hidden");
    assert.equal(stemFromPrompt(".env"), "env");
    assert.equal(stemFromPrompt("trailing dots..."), "trailing-dots");
    assert.equal(stemFromPrompt("trailing spaces   "), "trailing-spaces");
    assert.equal(stemFromPrompt("--dash--"), "dash");
    assert.equal(stemFromPrompt("version 1.2.3"), "version-1-2-3");
  });

  it("falls back to 'image' when nothing is left", () => {
    for (const p of ["", "   ", "!!!???", "...", "..", ".", "-", "\u0301\u0302", "\u200D\u200C", "🌈✨💫", "/\\:*?\"<>|"]) {
      assert.equal(stemFromPrompt(p), "image", JSON.stringify(p));
    }
  });

  it("suffixes Windows reserved device names", () => {
    const reserved = [
      "CON", "con", "Con", "PRN", "AUX", "NUL", "nul ", " aux!",
      ...Array.from({ length: 10 }, (_, i) => `COM${i}`),
      ...Array.from({ length: 10 }, (_, i) => `lpt${i}`),
      "Lpt1", "COM¹", "com²", "LPT³",
    ];
    for (const name of reserved) {
      const stem = stemFromPrompt(name);
      assert.equal(stem, `${name.trim().replace("!", "").toLowerCase()}-image`, name);
      assert.equal(isReservedWindowsName(stem), false);
    }
    for (const fine of ["console", "com10", "lpt", "com", "auxiliary", "nul-1", "con-txt"]) {
      assert.equal(stemFromPrompt(fine), fine);
    }
    assert.equal(stemFromPrompt("con.txt"), "con-txt");
  });

  it("recognises reserved names with extensions and trailing spaces", () => {
    for (const name of ["CON", "con.txt", "Lpt1", "LPT1.tar.gz", "COM¹", "com³.png", "NUL ", "aux .md", "COM0"]) {
      assert.equal(isReservedWindowsName(name), true, name);
    }
    for (const name of ["console", "com10", "con-image", "xcon", "lpt", "com¹0", ".con", "c on"]) {
      assert.equal(isReservedWindowsName(name), false, name);
    }
  });

  it("bounds very long prompts to 60 code points and 120 UTF-8 bytes", () => {
    const ascii = stemFromPrompt("x".repeat(10_000));
    assert.equal(ascii, "x".repeat(60));
    const cjk = stemFromPrompt("猫".repeat(10_000)); // 3 bytes each: the byte bound wins
    assert.equal(cjk, "猫".repeat(40));
    const astral = stemFromPrompt("𠀀".repeat(10_000)); // 4 bytes and a surrogate pair each
    assert.equal(astral, "𠀀".repeat(30));
    assertWellFormed(astral);
    const mixed = stemFromPrompt("é猫😀".repeat(3_400));
    assertSafeStem(mixed, "mixed");
    assert.ok(utf8Bytes(mixed) > 100, mixed);
  });

  it("never splits a base letter from its combining marks", () => {
    const unit = "q\u0323\u0303"; // q + dot below + tilde (NFC order): no precomposed form
    const stem = stemFromPrompt(unit.repeat(1_000));
    assert.equal(stem, unit.repeat(20)); // 3 code points per unit, 60 code points
    const hindi = stemFromPrompt("कि".repeat(1_000)); // letter + vowel sign, 6 UTF-8 bytes
    assert.equal(hindi, "कि".repeat(20)); // the byte bound wins: 120 bytes, 40 code points
    const odd = stemFromPrompt(`x${"कि".repeat(1_000)}`); // 121 bytes would split the last pair
    assert.equal(odd, `x${"कि".repeat(19)}`);
  });

  it("tames stacked combining marks (Zalgo)", () => {
    const zalgo = `z${"\u0300\u0301\u0302\u0303\u0304".repeat(40)}algo`;
    const stem = stemFromPrompt(zalgo);
    assert.equal(stem, `z${"\u0300\u0301\u0302\u0303\u0304".repeat(2).slice(0, 8)}algo`.normalize("NFC"));
    assertSafeStem(stem, zalgo);
  });

  it("cuts at a word boundary when that keeps at least half", () => {
    const words = stemFromPrompt("word ".repeat(100));
    assert.ok(words.length <= 60);
    assert.match(words, /^word(-word)+$/);
    assert.equal(words, Array(12).fill("word").join("-")); // 12 × 4 + 11 = 59 code points
    const exact = stemFromPrompt(`${"a".repeat(60)} tail`);
    assert.equal(exact, "a".repeat(60)); // the 60 characters end exactly at a word end
    const wordEnd = stemFromPrompt(`${"a".repeat(40)} ${"b".repeat(19)} tail`);
    assert.equal(wordEnd, `${"a".repeat(40)}-${"b".repeat(19)}`); // not cut back to the earlier dash
    const oneLongWord = stemFromPrompt(`a ${"b".repeat(100)}`);
    assert.equal(oneLongWord, `a-${"b".repeat(58)}`); // a cut after "a" would keep too little
    const chinese = stemFromPrompt(`${"猫".repeat(30)} ${"狗".repeat(30)}`);
    assert.equal(chinese, "猫".repeat(30)); // the byte bound ends inside the second word
  });

  it("keeps every invariant for random hostile input, and is idempotent", () => {
    const pool = [
      "a", "Z", "é", "e\u0301", "\u0301", "猫", "𠀀", "😀", "👨‍👩‍👧", "🇫🇷", "\u200D", "\u200C", "\u202E", "\uFE0F",
      " ", "\t", "\n", "\u0000", ".", "..", "/", "\\", ":", "*", "?", '"', "<", ">", "|", "-", "_",
      "CON", "lpt1", "¹", "İ", "ß", "ǅ", "\uD800", "\uDC00", "٣", "ـ", "\u0e31",
    ];
    let seed = 12345;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 2_000; i++) {
      let prompt = "";
      const len = next(120);
      for (let j = 0; j < len; j++) prompt += pool[next(pool.length)];
      const stem = stemFromPrompt(prompt);
      assertSafeStem(stem, prompt);
      assert.equal(stemFromPrompt(stem), stem, `not idempotent for ${JSON.stringify(prompt)}`);
    }
  });
});

describe("images/naming: editStemFromSource", () => {
  it("appends -edit to the sanitised source name", () => {
    assert.equal(editStemFromSource("photo.png"), "photo-edit");
    assert.equal(editStemFromSource("/home/me/My Photo (1).JPG"), "my-photo-1-edit");
    assert.equal(editStemFromSource("C:\\Users\\me\\Pictures\\Été.webp"), "été-edit");
    assert.equal(editStemFromSource("archive.tar.gz"), "archive-tar-edit");
    assert.equal(editStemFromSource("noext"), "noext-edit");
    assert.equal(editStemFromSource(".png"), "png-edit");
    assert.equal(editStemFromSource("???.png"), "image-edit");
    assert.equal(editStemFromSource("con.png"), "con-edit");
    assert.equal(editStemFromSource("../../etc/passwd"), "passwd-edit");
  });

  it("does not pile up -edit suffixes", () => {
    assert.equal(editStemFromSource("photo-edit.png"), "photo-edit");
    assert.equal(editStemFromSource("photo-edit-3.png"), "photo-edit");
    assert.equal(editStemFromSource("photo-edit-1-edit-2.png"), "photo-edit");
    assert.equal(editStemFromSource("edit.png"), "edit-edit");
    assert.equal(editStemFromSource("credit.png"), "credit-edit");
  });

  it("bounds the whole stem, suffix included", () => {
    for (const name of [`${"x".repeat(300)}.png`, `${"猫".repeat(300)}.png`, `${"word ".repeat(60)}.jpg`]) {
      const stem = editStemFromSource(name);
      assert.ok(stem.endsWith("-edit"), stem);
      assertSafeStem(stem, name);
    }
    assert.equal(editStemFromSource(`${"x".repeat(300)}.png`), `${"x".repeat(55)}-edit`);
  });
});

describe("images/naming: pickUniqueNames", () => {
  const none = (): boolean => false;

  it("names a single image stem.ext, then stem-2, stem-3 …", () => {
    assert.deepEqual(pickUniqueNames("cat", ".png", 1, none), ["cat.png"]);
    assert.deepEqual(pickUniqueNames("cat", "png", 1, none), ["cat.png"]);
    assert.deepEqual(pickUniqueNames("cat", ".png", 1, takenIn(["cat.png"])), ["cat-2.png"]);
    assert.deepEqual(pickUniqueNames("cat", ".png", 1, takenIn(["cat.png", "cat-2.png"])), ["cat-3.png"]);
    assert.deepEqual(pickUniqueNames("cat", ".png", 1, takenIn(["cat.jpg", "cat-1.png"])), ["cat.png"]);
  });

  it("compares case- and normalisation-insensitively through takenIn", () => {
    assert.deepEqual(pickUniqueNames("cat", ".png", 1, takenIn(["CAT.PNG"])), ["cat-2.png"]);
    assert.deepEqual(pickUniqueNames("cat", ".png", 1, takenIn(["Cat.png", "CAT-2.Png"])), ["cat-3.png"]);
    assert.deepEqual(pickUniqueNames("café", ".jpg", 1, takenIn(["cafe\u0301.jpg"])), ["café-2.jpg"]);
    assert.equal(fileNameKey("CAFE\u0301.JPG"), fileNameKey("café.jpg"));
  });

  it("numbers a batch as one consecutive block of free names", () => {
    assert.deepEqual(pickUniqueNames("cat", ".jpg", 4, none), ["cat-1.jpg", "cat-2.jpg", "cat-3.jpg", "cat-4.jpg"]);
    assert.deepEqual(pickUniqueNames("cat", ".jpg", 2, takenIn(["cat.jpg"])), ["cat-1.jpg", "cat-2.jpg"]);
    assert.deepEqual(pickUniqueNames("cat", ".jpg", 2, takenIn(["CAT-2.JPG"])), ["cat-3.jpg", "cat-4.jpg"]);
    assert.deepEqual(pickUniqueNames("cat", ".jpg", 2, takenIn(["cat-1.jpg", "cat-3.jpg"])), ["cat-4.jpg", "cat-5.jpg"]);
    assert.deepEqual(pickUniqueNames("cat", ".jpg", 3, takenIn(["cat-1.jpg", "cat-2.jpg", "cat-3.jpg"])), ["cat-4.jpg", "cat-5.jpg", "cat-6.jpg"]);
    assert.deepEqual(pickUniqueNames("cat", ".jpg", 2, takenIn(["cat-1.png", "cat-2.webp"])), ["cat-1.jpg", "cat-2.jpg"]);
  });

  it("always numbers edits", () => {
    assert.deepEqual(pickUniqueNames("photo-edit", ".png", 1, none, { numbered: true }), ["photo-edit-1.png"]);
    assert.deepEqual(pickUniqueNames("photo-edit", ".png", 1, takenIn(["photo-edit-1.png"]), { numbered: true }), ["photo-edit-2.png"]);
    assert.deepEqual(
      pickUniqueNames(editStemFromSource("photo-edit-2.png"), ".png", 2, takenIn(["photo-edit-1.png", "Photo-Edit-2.PNG"]), { numbered: true }),
      ["photo-edit-3.png", "photo-edit-4.png"],
    );
  });

  it("asks about each candidate and returns distinct names", () => {
    const asked: string[] = [];
    const names = pickUniqueNames("a", ".webp", 3, (n) => {
      asked.push(n);
      return n === "a-2.webp";
    });
    assert.deepEqual(names, ["a-3.webp", "a-4.webp", "a-5.webp"]);
    assert.deepEqual(asked, ["a-1.webp", "a-2.webp", "a-3.webp", "a-4.webp", "a-5.webp"]);
    assert.equal(new Set(names.map(fileNameKey)).size, names.length);
  });

  it("rejects bad arguments and gives up when everything is taken", () => {
    assert.throws(() => pickUniqueNames("cat", ".png", 0, none), RangeError);
    assert.throws(() => pickUniqueNames("cat", ".png", 1.5, none), RangeError);
    assert.throws(() => pickUniqueNames("cat", "../png", 1, none), RangeError);
    assert.throws(() => pickUniqueNames("cat", ".p/ng", 1, none), RangeError);
    assert.throws(() => pickUniqueNames("cat", ".png", 1, () => true, { maxAttempts: 50 }), /No free file name/);
    assert.throws(() => pickUniqueNames("cat", ".png", 3, () => true, { maxAttempts: 50 }), /No free file name/);
    assert.deepEqual(pickUniqueNames("", ".png", 1, none), ["image.png"]);
  });
});

describe("images/naming: tempNameFor", () => {
  it("makes a hidden .part name next to the final one", () => {
    assert.equal(tempNameFor("cat-1.png", () => "abc123"), ".cat-1.png.abc123.part");
    const a = tempNameFor("cat.png");
    const b = tempNameFor("cat.png");
    assert.match(a, /^\.cat\.png\.[0-9a-f]{16}\.part$/);
    assert.notEqual(a, b);
  });

  it("refuses paths and unsafe random tokens", () => {
    assert.throws(() => tempNameFor("a/b.png"), RangeError);
    assert.throws(() => tempNameFor("a\\b.png"), RangeError);
    assert.throws(() => tempNameFor(""), RangeError);
    assert.throws(() => tempNameFor("a.png", () => "../x"), RangeError);
    assert.throws(() => tempNameFor("a.png", () => ""), RangeError);
  });
});
