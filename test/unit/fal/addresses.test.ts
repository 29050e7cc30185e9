import * as assert from "node:assert/strict";
import { checkProxyUrl, isLoopbackHost, isNonPublicHost } from "../../../src/fal/addresses";
import { redactSecrets, redactUserinfo } from "../../../src/redact";

describe("grokImagine.proxyUrl is checked before it gets the key", () => {
  const accepted: [string, boolean][] = [
    ["https://proxy.example.com/api/fal/proxy", false],
    ["https://proxy.example.com:8443/fal", false],
    ["http://localhost:3000/api/fal/proxy", true],
    ["http://127.0.0.1:5555/fal-proxy", true],
    ["http://127.8.9.10/fal-proxy", true],
    ["http://[::1]:8080/fal-proxy", true],
    ["https://localhost/fal-proxy", true],
    ["  https://proxy.example.com/fal  ", false],
  ];
  for (const [url, loopback] of accepted) {
    it(`accepts ${url.trim()}${loopback ? " (loopback)" : ""}`, () => {
      const c = checkProxyUrl(url);
      assert.ok(c.ok, c.ok ? "" : c.problem);
      assert.equal(c.loopback, loopback);
    });
  }

  const refused: [string, RegExp][] = [
    ["http://proxy.example.com/fal", /http:\/\/ to another machine.*in clear/],
    ["http://10.0.0.5/fal", /http:\/\/ to another machine/],
    ["http://localhost.example.com/fal", /http:\/\/ to another machine/],
    ["https://user:secret-pw@proxy.example.com/fal", /user name or password.*Remove them/],
    ["http://user:secret-pw@127.0.0.1:5555/fal-proxy", /user name or password/],
    ["https://token@proxy.example.com/fal", /user name or password/],
    ["ftp://proxy.example.com/fal", /must be an https:\/\/ address/],
    ["proxy.example.com/fal", /not a URL/],
    ["", /not a URL/],
  ];
  for (const [url, why] of refused) {
    it(`refuses ${JSON.stringify(url)}, saying what to do and never quoting it`, () => {
      const c = checkProxyUrl(url);
      assert.equal(c.ok, false);
      if (c.ok) return;
      assert.match(c.problem, why);
      assert.match(c.problem, /grokImagine\.proxyUrl/);
      assert.ok(!c.problem.includes("secret-pw") && !c.problem.includes("token@"), "the URL's secrets are not repeated");
    });
  }

  it("loopback and non-public hosts by their literal form", () => {
    for (const h of ["localhost", "LOCALHOST", "api.localhost", "127.0.0.1", "127.255.0.9", "[::1]", "[::ffff:7f00:1]"]) assert.ok(isLoopbackHost(h), h);
    for (const h of ["example.com", "10.0.0.1", "[::2]", "localhost.example.com", "128.0.0.1"]) assert.ok(!isLoopbackHost(h), h);
    for (const h of ["10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "[fc00::1]", "[fe80::1]", "[::]", "[::ffff:a00:1]", "printer"]) assert.ok(isNonPublicHost(h), h);
    for (const h of ["8.8.8.8", "172.32.0.1", "v3.fal.media", "[2606:4700::1]"]) assert.ok(!isNonPublicHost(h), h);
  });
});

describe("user information in URLs never reaches a message or the log", () => {
  it("is replaced wherever a URL stands in the text", () => {
    assert.equal(redactUserinfo("fetch https://bob:hunter2@proxy.example/fal failed"), "fetch https://***@proxy.example/fal failed");
    assert.equal(redactUserinfo('{"url":"http://tok@127.0.0.1:9/x"}'), '{"url":"http://***@127.0.0.1:9/x"}');
    assert.equal(redactUserinfo("mail bob@example.com at https://example.com/a@b"), "mail bob@example.com at https://example.com/a@b");
  });

  it("is part of every redaction the log and the messages go through", () => {
    assert.equal(redactSecrets("TypeError: Request cannot be constructed from a URL that includes credentials: http://u:pw@h/p", []), "TypeError: Request cannot be constructed from a URL that includes credentials: http://***@h/p");
  });
});
