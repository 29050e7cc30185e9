import assert from "node:assert/strict";
import {
  isPathInside,
  linkRefusalText,
  parseUriString,
  refusalText,
  resolvePathText,
  resolveSettingFolder,
  resolveUriParts,
  type PathResult,
  type Refusal,
  type RootParts,
} from "../../../src/workspace/paths";

const WS: RootParts = { scheme: "file", authority: "", path: "/home/me/ws", name: "ws" };
const TWO: RootParts[] = [WS, { scheme: "file", authority: "", path: "/home/me/other", name: "other" }];
const WIN: RootParts = { scheme: "file", authority: "", path: "/c:/Users/me/ws", name: "ws", ignoreCase: true };
const UNC: RootParts = { scheme: "file", authority: "server", path: "/share/ws", name: "ws", ignoreCase: true };
const REMOTE: RootParts = { scheme: "vscode-remote", authority: "ssh-remote+box", path: "/srv/ws", name: "ws" };

function ok(r: PathResult): { root: number; segments: readonly string[] } {
  assert.ok(r.ok, `expected accepted, got ${r.ok ? "" : r.reason}`);
  return r;
}

function refused(r: PathResult): Refusal {
  assert.ok(!r.ok, `expected refused, got ${r.ok ? JSON.stringify(r.segments) : ""}`);
  return r.reason;
}

describe("workspace/paths: a caller's path text", () => {
  const accepted: [string, RootParts[], number, string[]][] = [
    ["images/photo.png", [WS], 0, ["images", "photo.png"]],
    ["images\\photo.png", [WS], 0, ["images", "photo.png"]],
    ["./images//photo.png", [WS], 0, ["images", "photo.png"]],
    ["/home/me/ws/images/photo.png", [WS], 0, ["images", "photo.png"]],
    ["/home/me/ws", [WS], 0, []],
    ["file:///home/me/ws/images/photo.png", [WS], 0, ["images", "photo.png"]],
    ["file:///home/me/ws/images/my%20photo.png", [WS], 0, ["images", "my photo.png"]],
    ["FILE:///home/me/ws/a.png", [WS], 0, ["a.png"]],
    ["other/b.png", TWO, 1, ["b.png"]],
    ["/home/me/other/b.png", TWO, 1, ["b.png"]],
    ["C:\\Users\\me\\ws\\a.png", [WIN], 0, ["a.png"]],
    ["c:/users/ME/WS/a.png", [WIN], 0, ["a.png"]],
    ["file:///C:/Users/me/ws/a.png", [WIN], 0, ["a.png"]],
    ["file:///c%3A/Users/me/ws/a.png", [WIN], 0, ["a.png"]],
    ["\\\\server\\share\\ws\\a.png", [UNC], 0, ["a.png"]],
    ["//SERVER/share/ws/a.png", [UNC], 0, ["a.png"]],
    ["file://server/share/ws/a.png", [UNC], 0, ["a.png"]],
    ["vscode-remote://ssh-remote%2Bbox/srv/ws/a.png", [REMOTE], 0, ["a.png"]],
    ["/srv/ws/a.png", [REMOTE], 0, ["a.png"]],
    ["a..b.png", [WS], 0, ["a..b.png"]],
    [".hidden/x.png", [WS], 0, [".hidden", "x.png"]],
  ];
  for (const [text, roots, root, segments] of accepted) {
    it(`accepts ${JSON.stringify(text)}`, () => {
      assert.deepEqual(ok(resolvePathText(text, roots)), { ok: true, root, segments });
    });
  }

  const hostile: [string, RootParts[], Refusal][] = [
    ["../escape.png", [WS], "dot-segment"],
    ["images/../../escape.png", [WS], "dot-segment"],
    ["images/../photo.png", [WS], "dot-segment"],
    ["images/./photo.png", [WS], "dot-segment"],
    ["..\\escape.png", [WS], "dot-segment"],
    ["images\\..\\..\\escape.png", [WS], "dot-segment"],
    ["/home/me/ws/../secret/x.png", [WS], "dot-segment"],
    ["/home/me/ws/./x.png", [WS], "dot-segment"],
    ["file:///home/me/ws/../x", [WS], "dot-segment"],
    ["file:///home/me/ws/%2e%2e/x", [WS], "dot-segment"],
    ["file:///home/me/ws/%2E%2E/x", [WS], "dot-segment"],
    ["file:///home/me/ws/.%2e/x", [WS], "dot-segment"],
    ["file:///home/me/ws/%252e%252e/x", [WS], "dot-segment"],
    ["file:///home/me/ws/%25252e%25252e/x", [WS], "dot-segment"],
    ["file:///home/me/ws/images%2f..%2f..%2fx", [WS], "dot-segment"],
    ["file:///home/me/ws/images%5c..%5c..%5cx", [WS], "dot-segment"],
    ["file:///home/me/ws/a%252f..%252fx", [WS], "encoded-separator"],
    ["%2e%2e/escape.png", [WS], "dot-segment"],
    ["images/%2e%2e/%2e%2e/escape.png", [WS], "dot-segment"],
    [".../x.png", [WS], "dot-segment"],
    [".. /x.png", [WS], "dot-segment"],
    ["images/.. ./x.png", [WS], "dot-segment"],
    ["C:\\Users\\me\\ws\\..\\..\\x.png", [WIN], "dot-segment"],
    ["file:///c:/Users/me/ws/..%5C..%5Cx.png", [WIN], "dot-segment"],
    ["\\\\server\\share\\ws\\..\\x.png", [UNC], "dot-segment"],
    ["vscode-remote://ssh-remote%2Bbox/srv/ws/../etc/passwd", [REMOTE], "dot-segment"],
    ["/home/me/ws-other/x.png", [WS], "outside"],
    ["/home/me/WS/x.png", [WS], "outside"],
    ["/etc/passwd", [WS], "outside"],
    ["/home/me", [WS], "outside"],
    ["file:///etc/passwd", [WS], "outside"],
    ["file://evil/home/me/ws/x.png", [WS], "outside"],
    ["file://localhost/home/me/ws/x.png", [WS], "outside"],
    ["untitled:/home/me/ws/x.png", [WS], "outside"],
    ["vscode-remote://other-box/srv/ws/a.png", [REMOTE], "outside"],
    ["D:\\Users\\me\\ws\\a.png", [WIN], "outside"],
    ["\\\\evil\\share\\ws\\a.png", [UNC], "outside"],
    ["\\\\server\\share\\ws\\a.png", [WS], "outside"],
    ["file:///home/me/ws/x.png?query", [WS], "query-or-fragment"],
    ["file:///home/me/ws/x.png#frag", [WS], "query-or-fragment"],
    ["\\\\?\\C:\\Users\\me\\ws\\a.png", [WIN], "device-path"],
    ["\\\\.\\C:\\Users\\me\\ws\\a.png", [WIN], "device-path"],
    ["//?/C:/Users/me/ws/a.png", [WIN], "device-path"],
    ["C:a.png", [WIN], "drive-relative"],
    ["c:", [WIN], "drive-relative"],
    ["images/a\u0000.png", [WS], "bad-character"],
    ["file:///home/me/ws/a%00.png", [WS], "bad-character"],
    ["file:///home/me/ws/a%0a.png", [WS], "bad-character"],
    ["", [WS], "empty"],
    ["   ", [WS], "empty"],
    ["./", [WS], "empty"],
    ["images/a.png", [], "no-workspace"],
    ["x".repeat(9000), [WS], "too-long"],
  ];
  for (const [text, roots, reason] of hostile) {
    it(`refuses ${JSON.stringify(text.length > 80 ? `${text.slice(0, 20)}…` : text)} (${reason})`, () => {
      assert.equal(refused(resolvePathText(text, roots)), reason);
    });
  }

  it("a relative path goes to the folder it is relative to, and folder names count only without one", () => {
    assert.deepEqual(ok(resolvePathText("other/b.png", TWO, { relativeTo: 0 })), { ok: true, root: 0, segments: ["other", "b.png"] });
    assert.deepEqual(ok(resolvePathText("ws/b.png", [WS])), { ok: true, root: 0, segments: ["ws", "b.png"] }, "one folder: its name is just a folder name");
  });

  it("costs linear time on a long hostile path", () => {
    const long = `images/${"%2e".repeat(2600)}/x.png`;
    const t0 = process.hrtime.bigint();
    resolvePathText(long, [WS]);
    assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 50);
  });
});

describe("workspace/paths: a URI's parts (as vscode.Uri holds them, decoded)", () => {
  it("accepts a plain URI inside and refuses dot segments, backslash dot segments and other folders", () => {
    assert.deepEqual(ok(resolveUriParts({ scheme: "file", authority: "", path: "/home/me/ws/a/b.png" }, [WS])), { ok: true, root: 0, segments: ["a", "b.png"] });
    // What vscode.Uri.parse("file:///home/me/ws/%2e%2e/x") holds: the prefix test of getWorkspaceFolder says inside.
    assert.equal(refused(resolveUriParts({ scheme: "file", authority: "", path: "/home/me/ws/../x" }, [WS])), "dot-segment");
    assert.equal(refused(resolveUriParts({ scheme: "file", authority: "", path: "/home/me/ws/..\\x" }, [WS])), "dot-segment");
    assert.equal(refused(resolveUriParts({ scheme: "file", authority: "", path: "/home/me/ws/%2e%2e/x" }, [WS])), "dot-segment", "a literal %2e%2e would be decoded by the next reader");
    assert.equal(refused(resolveUriParts({ scheme: "file", authority: "", path: "/home/me/wsx/a.png" }, [WS])), "outside");
    assert.equal(refused(resolveUriParts({ scheme: "file", authority: "", path: "/home/me/ws/a.png", query: "x=1" }, [WS])), "query-or-fragment");
  });

  it("parses URI strings as vscode.Uri.parse does", () => {
    assert.deepEqual(parseUriString("file:///a/%2e%2e/b"), { scheme: "file", authority: "", path: "/a/../b", query: "", fragment: "" });
    assert.deepEqual(parseUriString("file://srv/share/x"), { scheme: "file", authority: "srv", path: "/share/x", query: "", fragment: "" });
    assert.deepEqual(parseUriString("file:c:/x"), { scheme: "file", authority: "", path: "/c:/x", query: "", fragment: "" });
    assert.equal(parseUriString("file:///a/%E0%A4%A/b")?.path, "/a/%E0%A4%A/b", "invalid UTF-8 stays as it is");
  });
});

describe("workspace/paths: the output folder setting", () => {
  it("is relative to its own folder, and refused when absolute, a URI, or with a dot segment", () => {
    assert.deepEqual(ok(resolveSettingFolder("generated-images", TWO, 1)), { ok: true, root: 1, segments: ["generated-images"] });
    assert.deepEqual(ok(resolveSettingFolder("art\\out", TWO, 0)), { ok: true, root: 0, segments: ["art", "out"] });
    assert.deepEqual(ok(resolveSettingFolder(".", TWO, 0)), { ok: true, root: 0, segments: [] });
    assert.deepEqual(ok(resolveSettingFolder("other/x", TWO, 0)), { ok: true, root: 0, segments: ["other", "x"] }, "never another folder's name");
    for (const bad of ["../out", "/tmp/out", "C:\\out", "c:out", "file:///tmp/out", "a/../../b", "%2e%2e/x", "out?", "a:b", "\\\\srv\\s"]) {
      assert.ok(!resolveSettingFolder(bad, TWO, 0).ok, bad);
    }
  });
});

describe("workspace/paths: messages and platform containment", () => {
  it("every refusal says what to do", () => {
    const reasons: Refusal[] = ["empty", "not-a-path", "too-long", "bad-character", "dot-segment", "encoded-separator", "query-or-fragment", "device-path", "drive-relative", "no-workspace", "outside"];
    for (const r of reasons) assert.match(refusalText(r, "The image \"x\""), /^The image "x" .*(: |\. |give|Open)/, r);
    assert.match(linkRefusalText("The output folder", "generated-images", "/etc", true), /^The output folder passes through generated-images.*symbolic link to \/etc, outside the workspace.*does not write.*Replace the link/);
    assert.match(linkRefusalText("The image", "images/x.png", undefined, false), /cannot be followed.*does not read.*Copy the file/);
  });

  it("compares real paths by segment", () => {
    assert.ok(isPathInside("/home/me/ws", "/home/me/ws/a", "/"));
    assert.ok(isPathInside("/home/me/ws/", "/home/me/ws", "/"));
    assert.ok(!isPathInside("/home/me/ws", "/home/me/ws-other/a", "/"));
    assert.ok(!isPathInside("/home/me/ws", "/home/me/WS/a", "/"));
    assert.ok(isPathInside("C:\\Users\\me\\ws", "c:\\users\\me\\ws\\a", "\\"));
    assert.ok(!isPathInside("C:\\Users\\me\\ws", "C:\\Users\\me\\ws2", "\\"));
    assert.ok(isPathInside("/", "/anything", "/"));
  });
});
