/**
 * Names no public CA issues a certificate for, which the proxy serves over plain HTTP only (no ACME attempt, no
 * redirect to HTTPS): `localhost` and `*.localhost` (RFC 6761, loopback in browsers and curl), and the sslip.io
 * / nip.io names of a private, loopback or link-local IPv4 address (an ACME server cannot reach them). The
 * control plane uses it for a default URL's scheme, the agent for its proxy's TLS plan.
 */
export function servedOverPlainHttp(domain: string): boolean {
  const name = domain.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const embedded = /(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})\.(?:sslip\.io|nip\.io)$/.exec(name);
  if (!embedded) return false;
  const [a = 0, b = 0] = embedded.slice(1, 3).map(Number);
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}
