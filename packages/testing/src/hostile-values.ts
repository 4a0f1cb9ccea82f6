/** Domains a user or a compromised control plane could send; none may reach a proxy configuration. */
export const hostileDomains = [
  "shop.example.com`) || Host(`evil.test",
  "a`b.example.com",
  "shop example.com",
  "shop.example.com || Host(`evil.test`)",
  "shop.example.com\nevil.test",
  "shop.example.com\r\n",
  "\u0430pple.com", // Cyrillic "а" that looks like a Latin "a"
  "shop\uFF0Eexample.com", // full-width full stop
  "sh\u200Bop.example.com", // zero-width space
  "shop.example.com\u202E", // right-to-left override
  "xn--80ak6aa92e.com\u0000",
  `${"a".repeat(64)}.example.com`, // a label over 63 characters
  `${"a.".repeat(127)}com`, // a name over 253 characters
  "*.*.example.com",
  "*example.com",
  "shop.*.example.com",
  "-shop.example.com",
  "shop-.example.com",
  "shop..example.com",
  ".example.com",
  "shop.example.com.",
  "",
  "shop.example.com:443",
  "shop.example.com/path",
  "$(reboot).example.com",
  "shop.example.com'",
  'shop.example.com"',
  "shop.example.com#",
];

/** Service ids that would break out of a name or a path. */
export const hostileServiceIds = ["", "../etc", "a/b", "a b", "a.b", "x\n", "syntra`", "-x", "a".repeat(129), "ü"];

/** Upstreams that are not one `host:port`. */
export const hostileUpstreams = [
  "10.0.0.1",
  "10.0.0.1:0",
  "10.0.0.1:65536",
  "10.0.0.1:80/path",
  "http://10.0.0.1:80",
  "10.0.0.1:80 10.0.0.2:80",
  "evil`:80",
  "[::1:80",
  "10.0.0.1:80\n",
];

/**
 * A signed token (`a.b.<mac>`) with its MAC's first character changed. Not its last characters: there the
 * padding bits of base64url let a change decode to the same bytes now and then.
 */
export function tamperMac(token: string): string {
  const at = token.lastIndexOf(".") + 1;
  return `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
}
