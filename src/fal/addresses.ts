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
import * as l10n from "../l10n";

/**
 * The IPv4 address a host stands for: dotted-quad, or IPv4-mapped IPv6 as the URL parser writes it
 * (`[::ffff:7f00:1]`). Hosts come from `URL.hostname`, which has already normalised other forms
 * (`0x7f.1`, `2130706433`, uncompressed IPv6).
 */
function ipv4(h: string): number[] | undefined {
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(h);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
    return [hi >> 8, hi & 255, lo >> 8, lo & 255];
  }
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m ? m.slice(1).map(Number) : undefined;
}

function host(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, "");
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 or [::1] (a `URL.hostname`). */
export function isLoopbackHost(hostname: string): boolean {
  const h = host(hostname);
  return h === "localhost" || h.endsWith(".localhost") || h === "[::1]" || ipv4(h)?.[0] === 127;
}

/**
 * Hosts that are not on the public internet (a `URL.hostname`): loopback, unspecified, private
 * (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10, where cloud metadata services answer),
 * carrier-grade NAT (100.64/10), multicast, and bare names, which resolve on the local network only.
 */
export function isNonPublicHost(hostname: string): boolean {
  const h = host(hostname);
  if (isLoopbackHost(h)) return true;
  const v4 = ipv4(h);
  if (v4) {
    const [a, b] = v4;
    return a === 0 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  if (h.startsWith("[")) return h === "[::]" || /^\[(f[cd]|fe[89ab]|ff)[0-9a-f]*:/.test(h);
  return !h.includes(".");
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
    return { ok: false, problem: l10n.t("grokImagine.proxyUrl is not a URL. Set it to the proxy's https:// address in your user settings, or clear it to talk to fal directly.") };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      problem:
        l10n.t("grokImagine.proxyUrl contains a user name or password (user:password@). Remove them from the URL: the proxy receives your fal key in the Authorization header, and credentials in a URL would be sent and shown in clear. Restrict the proxy by network or let it add its own credentials instead."),
    };
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === "https:" || (url.protocol === "http:" && loopback)) return { ok: true, url: url.toString(), loopback };
  if (url.protocol === "http:") {
    return { ok: false, problem: l10n.t("grokImagine.proxyUrl uses http:// to another machine, which would send your fal key across the network in clear. Use the proxy's https:// address (http:// is allowed only for localhost).") };
  }
  return { ok: false, problem: l10n.t("grokImagine.proxyUrl must be an https:// address (it is {0}). Fix it in your user settings, or clear it to talk to fal directly.", url.protocol) };
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
