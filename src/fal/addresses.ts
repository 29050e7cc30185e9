/**
 * Which network addresses the extension talks to (pure: no vscode, no fal client). Two rules live
 * here because they share one notion of "loopback":
 *
 * - grokImagine.proxyUrl receives the API key, so it must be `https:`; plain `http:` is allowed only
 *   to this machine (localhost, 127.0.0.0/8, [::1]), where nothing crosses a network. A user name or
 *   password in the URL is refused: fetch would send it in clear to every hop, and it would show up
 *   wherever the URL is quoted.
 * - A result's image address comes from fal's answer (or whoever answers in its place), so it must be
 *   `https:` to a public host. Loopback is allowed only when the proxy itself is on loopback: that is
 *   how a local fake (the tests) or a local proxy serves images.
 *
 * Hosts are judged by their literal form only; a public name that resolves to a private address is
 * not caught here (that would need the resolver the fetch uses).
 */

/** `localhost`, `*.localhost`, 127.0.0.0/8 or ::1 (with or without brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const h = unbracket(hostname.toLowerCase()).replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  const v4 = ipv4(h);
  if (v4) return v4[0] === 127;
  const v6 = ipv6(h);
  if (v6) return v6.every((x, i) => x === (i === 7 ? 1 : 0)) || mappedV4(v6)?.[0] === 127;
  return false;
}

/**
 * Addresses that are not on the public internet: unspecified, private (RFC 1918, fc00::/7),
 * link-local (169.254/16, fe80::/10, where cloud metadata services answer), carrier-grade NAT
 * (100.64/10), and loopback.
 */
export function isNonPublicHost(hostname: string): boolean {
  if (isLoopbackHost(hostname)) return true;
  const h = unbracket(hostname.toLowerCase()).replace(/\.$/, "");
  const v4 = ipv4(h) ?? (ipv6(h) ? mappedV4(ipv6(h) as number[]) : undefined);
  if (v4) {
    const [a, b] = v4;
    return a === 0 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const v6 = ipv6(h);
  if (v6) return v6.every((x) => x === 0) || (v6[0] & 0xfe00) === 0xfc00 || (v6[0] & 0xffc0) === 0xfe80 || (v6[0] & 0xff00) === 0xff00;
  return h === "" || !h.includes("."); // a bare name ("intranet") resolves on the local network only
}

function unbracket(h: string): string {
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** Dotted-quad IPv4 (the URL parser has already normalised other forms such as 0x7f.1). */
function ipv4(h: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** The eight 16-bit groups of an IPv6 address, or undefined. */
function ipv6(h: string): number[] | undefined {
  if (!h.includes(":") || !/^[0-9a-f:.]+$/.test(h)) return undefined;
  let text = h;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = ipv4(tail[1]);
    if (!v4) return undefined;
    text = text.slice(0, -tail[1].length) + `${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s ? s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)) : []);
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.some((g) => Number.isNaN(g)) ? undefined : groups;
}

/** The IPv4 address inside ::ffff:a.b.c.d, or undefined. */
function mappedV4(g: readonly number[]): number[] | undefined {
  if (!g.slice(0, 5).every((x) => x === 0) || g[5] !== 0xffff) return undefined;
  return [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff];
}

export type ProxyCheck =
  | { readonly ok: true; readonly url: string; readonly loopback: boolean }
  | { readonly ok: false; readonly problem: string };

/**
 * Checks grokImagine.proxyUrl. The problem never quotes the URL (it may hold a password); it names
 * the setting and says what to change.
 */
export function checkProxyUrl(raw: string): ProxyCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, problem: "grokImagine.proxyUrl is not a URL. Set it to the proxy's https:// address in your user settings, or clear it to talk to fal directly." };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      problem:
        "grokImagine.proxyUrl contains a user name or password (user:password@). Remove them from the URL: the proxy receives your fal key in the Authorization header, and credentials in a URL would be sent and shown in clear. Restrict the proxy by network or let it add its own credentials instead.",
    };
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === "https:" || (url.protocol === "http:" && loopback)) return { ok: true, url: url.toString(), loopback };
  if (url.protocol === "http:") {
    return { ok: false, problem: "grokImagine.proxyUrl uses http:// to another machine, which would send your fal key across the network in clear. Use the proxy's https:// address (http:// is allowed only for localhost)." };
  }
  return { ok: false, problem: `grokImagine.proxyUrl must be an https:// address (it is ${url.protocol}). Fix it in your user settings, or clear it to talk to fal directly.` };
}


/** Where a request that does not go through the proxy may go (image downloads, upload PUTs). */
export interface UrlPolicy {
  /** The configured proxy is on loopback: loopback addresses (over http: too) are allowed. */
  readonly allowLoopback: boolean;
}

/**
 * Why an address from fal's answer (an image to download, a storage address to upload to) may not be
 * used, or undefined when it may: it must be `https:` to a public host, without credentials;
 * loopback is allowed (over `http:` too) only when the proxy is on loopback.
 */
export function addressProblem(url: URL, policy: UrlPolicy): string | undefined {
  if (url.username || url.password) return "the address carries credentials";
  const loopback = isLoopbackHost(url.hostname);
  if (loopback && policy.allowLoopback && (url.protocol === "https:" || url.protocol === "http:")) return undefined;
  if (url.protocol !== "https:") return `${url.protocol} is not https:`;
  if (loopback) return "a loopback address (allowed only when the proxy is on loopback)";
  if (isNonPublicHost(url.hostname)) return "a private or local network address";
  return undefined;
}
