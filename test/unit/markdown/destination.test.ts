/** markdown/destination.ts: markdown.copyFiles.destination read as VS Code's Markdown extension reads it. */
import assert from "node:assert/strict";
import { copyDestination, destinationStem, expandVariables, normalizePath, resolveDestination, safePattern, type DestinationContext } from "../../../src/markdown/destination";

const CTX: DestinationContext = {
  documentPath: "/home/me/site/docs/guide/intro.md",
  workspaceFolderPath: "/home/me/site",
  workspaceFolderPaths: ["/home/me/site", "/home/me/other"],
  fileName: "a-red-fox.jpg",
};

function dest(raw: string, ctx: DestinationContext = CTX): string {
  const r = resolveDestination(raw, ctx);
  assert.ok(r.ok, `${raw}: ${r.ok ? "" : r.message}`);
  return r.path;
}

describe("markdown/destination: where copyFiles.destination puts a file", () => {
  it("resolves folders, file names and the leading and trailing slash as VS Code does", () => {
    assert.equal(dest("images/"), "/home/me/site/docs/guide/images/a-red-fox.jpg");
    assert.equal(dest(""), "/home/me/site/docs/guide/a-red-fox.jpg", "empty: beside the document");
    assert.equal(dest("   "), "/home/me/site/docs/guide/a-red-fox.jpg");
    assert.equal(dest("/assets/"), "/home/me/site/assets/a-red-fox.jpg", "leading /: the workspace folder");
    assert.equal(dest("../img/${fileName}"), "/home/me/site/docs/img/a-red-fox.jpg");
    assert.equal(dest("./img/./x/../${fileName}"), "/home/me/site/docs/guide/img/a-red-fox.jpg");
    assert.equal(dest("img/cover.png"), "/home/me/site/docs/guide/img/cover.png", "a fixed name");
  });

  it("puts in every variable", () => {
    assert.equal(dest("${documentDirName}/media/"), "/home/me/site/docs/guide/media/a-red-fox.jpg");
    assert.equal(dest("${documentWorkspaceFolder}/assets/${documentBaseName}/${fileName}"), "/home/me/site/assets/intro/a-red-fox.jpg");
    assert.equal(dest("media/${documentFileName}-${documentExtName}-${fileName}"), "/home/me/site/docs/guide/media/intro.md-md-a-red-fox.jpg");
    assert.equal(dest("media/${unknown}${fileName}"), "/home/me/site/docs/guide/media/a-red-fox.jpg", "an unknown variable is empty");
    assert.equal(dest("/x/", { ...CTX, workspaceFolderPath: undefined }), "/home/me/site/docs/guide/x/a-red-fox.jpg", "no workspace folder: the document's folder");
    assert.equal(dest("m/${documentBaseName}", { ...CTX, documentPath: "/home/me/site/.profile" }), "/home/me/site/m/.profile", "a dot file has no extension");
  });

  it("applies a ${name/pattern/replacement/} transform, the first match only", () => {
    assert.equal(dest("m/${documentBaseName/in/IN/}-${fileName/\\.jpg$/.x/}"), "/home/me/site/docs/guide/m/INtro-a-red-fox.x");
    assert.equal(dest("m/${fileName/-/_/}"), "/home/me/site/docs/guide/m/a_red-fox.jpg");
  });

  it("refuses patterns that could run away, and says why", () => {
    for (const [pattern, why] of [["(a+)+$", /repeats a group/], ["a*b*c*d", /more than 2 repetitions/], ["(x)\\1", /back-reference/], ["[", /not a valid/], ["a".repeat(101), /longer than/]] as const) {
      assert.match(safePattern(pattern) ?? "", why, pattern);
      const r = expandVariables(`\${fileName/${pattern}/y/}`, new Map([["fileName", "aaaa"]]));
      assert.equal(r.ok, false, pattern);
    }
    for (const ok of ["^(.*)$", "\\.jpg$", "[a-z]+", "a{2,3}", "(?:x)y?", "[*+?]"]) assert.equal(safePattern(ok), undefined, ok);
    const long = expandVariables("${fileName/a/b/}", new Map([["fileName", "a".repeat(600)]]));
    assert.equal(long.ok, false, "a value too long for a pattern");
  });

  it("takes the first entry whose glob matches, anchored or not", () => {
    const setting = { "/docs/guide/*.md": "/guide-images/", "**/*.md": "images/", "*.md": "never/" };
    assert.deepEqual(copyDestination(setting, CTX), { kind: "path", glob: "/docs/guide/*.md", path: "/home/me/site/guide-images/a-red-fox.jpg", ignored: [] });
    const other = { ...CTX, documentPath: "/home/me/site/blog/post.md" };
    assert.deepEqual(copyDestination(setting, other), { kind: "path", glob: "**/*.md", path: "/home/me/site/blog/images/a-red-fox.jpg", ignored: [] });
    assert.equal(copyDestination({ "guide/*.md": "g/" }, CTX).kind, "path", "a relative glob matches anywhere");
    assert.equal(copyDestination({ "/guide/*.md": "g/" }, CTX).kind, "none", "an anchored glob starts at a workspace folder");
    assert.equal(copyDestination({ "*.txt": "x/" }, CTX).kind, "none");
  });

  it("reads any shape without throwing, and lists what it ignored", () => {
    assert.deepEqual(copyDestination(undefined, CTX), { kind: "none", ignored: [] });
    assert.deepEqual(copyDestination("images/", CTX), { kind: "none", ignored: ["(the setting is not an object)"] });
    assert.deepEqual(copyDestination(["a"], CTX), { kind: "none", ignored: ["(the setting is not an object)"] });
    assert.deepEqual(copyDestination({ "**/*.md": 3, "*.md": "ok/" }, CTX), { kind: "path", glob: "*.md", path: "/home/me/site/docs/guide/ok/a-red-fox.jpg", ignored: ["**/*.md"] });
    const refused = copyDestination({ "**/*.md": "${fileName/(a+)+/b/}" }, CTX);
    assert.equal(refused.kind, "refused");
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`*.x${i}`, "a/"]));
    assert.equal(copyDestination(many, CTX).ignored.length, 1);
  });

  it("paths: normalised lexically, never above the root; the stem drops an image extension only", () => {
    assert.equal(normalizePath("/a/../../b//c/./"), "/b/c");
    assert.equal(destinationStem("/x/cover.PNG"), "cover");
    assert.equal(destinationStem("/x/a-red-fox.jpg"), "a-red-fox");
    assert.equal(destinationStem("/x/notes.txt"), "notes.txt");
  });
});
