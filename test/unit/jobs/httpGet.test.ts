import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { httpGet } from "../../../src/jobs/httpGet";
import { readCapped } from "../../../src/jobs/download";

describe("httpGet (the downloads' GET)", () => {
  let server: http.Server;
  let base: string;
  let sentBytes = 0;
  let closed: Promise<void> = Promise.resolve();
  const MB = 1024 * 1024;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "/final" });
        res.end("moved");
      } else if (req.url === "/final") {
        res.writeHead(200, { "content-type": "image/png", "x-several": ["a", "b"] });
        res.end(Buffer.from("final bytes"));
      } else if (req.url === "/endless") {
        res.writeHead(200, { "content-type": "image/png" });
        sentBytes = 0;
        const chunk = Buffer.alloc(MB);
        closed = new Promise((resolve) => res.once("close", () => resolve()));
        const pump = () => {
          while (!res.destroyed && sentBytes < 200 * MB) {
            sentBytes += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          if (!res.destroyed) res.end();
        };
        pump();
      } else if (req.url === "/stall") {
        res.writeHead(200);
        res.write("a");
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("answers like fetch: status, headers, body", async () => {
    const res = await httpGet(`${base}/final`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.equal(res.headers.get("x-several"), "a, b");
    assert.equal(await res.text(), "final bytes");
  });

  it("never follows a redirect itself", async () => {
    const res = await httpGet(`${base}/redirect`, { redirect: "manual" });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), "/final");
    await res.body?.cancel();
  });

  it("reads only as fast as the reader: a body stopped at the cap ends the transfer", async () => {
    const res = await httpGet(`${base}/endless`);
    await assert.rejects(readCapped(res, 8 * MB, "endless"), /larger than 8 MB/);
    await closed;
    assert.ok(sentBytes < 40 * MB, `the server got to send ${sentBytes / MB} MB of 200 MB`);
  });

  it("stops on abort, before and during the body", async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(httpGet(`${base}/final`, { signal: ac.signal }), { name: "AbortError" });
    const mid = new AbortController();
    const res = await httpGet(`${base}/stall`, { signal: mid.signal });
    const reading = res.text();
    mid.abort();
    await assert.rejects(reading, { name: "AbortError" });
  });

  it("refuses what it is not for", async () => {
    await assert.rejects(httpGet("ftp://example.invalid/x"), /cannot fetch ftp:/);
    await assert.rejects(httpGet(`${base}/final`, { method: "POST" }), /only GETs/);
  });
});
