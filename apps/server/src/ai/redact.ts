/** What a redactor knows beyond the patterns every text is checked for. */
export interface RedactionRules {
  /** Values that must never leave: the service's secret variables by name, the providers' own keys. */
  secrets: { name: string; value: string }[];
  /** Replace email addresses too (an organization setting). */
  emails: boolean;
}

/** Variable names whose values are secrets even when not marked secret. */
const SECRET_NAME =
  /SECRET|TOKEN|PASSW(OR)?D|PASS$|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|DSN|DATABASE_URL|_URL$/i;
/** Shorter values are not redacted by value: "1" or "true" would blank half the text. */
const MIN_SECRET_LENGTH = 6;

// Each pattern replaces what it matches; the comment says what it is for.
const PATTERNS: { re: RegExp; replace: string | ((...m: string[]) => string) }[] = [
  // PEM private keys, whole.
  {
    re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    replace: "[REDACTED:PRIVATE_KEY]",
  },
  // Credentials inside URLs and DSNs: scheme://user:password@host keeps the scheme and host.
  { re: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:'"]*:[^\s/@'"]*@/gi, replace: (_m, scheme) => `${scheme}[REDACTED]@` },
  // JSON Web Tokens.
  { re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, replace: "[REDACTED:JWT]" },
  // Well-known token shapes: Anthropic, OpenAI, GitHub, Slack, AWS, Stripe, Syntra's own.
  {
    re: /\b(?:sk-ant-[A-Za-z0-9_-]{10,}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|[rs]k_(?:live|test)_[A-Za-z0-9]{10,}|syn_[a-z]{3}_[A-Za-z0-9]{20,})\b/g,
    replace: "[REDACTED:TOKEN]",
  },
  // Authorization headers.
  { re: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g, replace: (_m, scheme) => `${scheme} [REDACTED]` },
  // name=value and "name": "value" pairs whose name says secret.
  {
    re: /\b((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret|auth)["']?\s*[:=]\s*["']?)([^\s"'&,;)}]{3,})/gi,
    replace: (_m, name) => `${name}[REDACTED]`,
  },
];

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;

/** A function that redacts one text. */
export type Redactor = (text: string) => string;

/**
 * Builds the redactor everything bound for a provider passes through: known secret values first (longest first,
 * so a value containing another is replaced whole), then token and credential patterns, then emails if asked.
 */
export function createRedactor(rules: RedactionRules): Redactor {
  const values = rules.secrets
    .filter((s) => s.value.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.value.length - a.value.length);
  return (text) => {
    let out = text;
    for (const s of values) out = out.split(s.value).join(`[REDACTED:${s.name}]`);
    for (const p of PATTERNS) out = out.replace(p.re, p.replace as (substring: string, ...args: string[]) => string);
    if (rules.emails) out = out.replace(EMAIL, "[REDACTED:EMAIL]");
    return out;
  };
}

/** The service's variables that are secrets: marked so, or named like one. */
export function secretVariables(
  vars: Iterable<[string, { value: string; secret: boolean }]>,
): RedactionRules["secrets"] {
  return [...vars]
    .filter(([name, v]) => v.secret || SECRET_NAME.test(name))
    .map(([name, v]) => ({ name, value: v.value }));
}

/** Every string inside a JSON-like value redacted (object keys too: tags and extra can carry anything). */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [redact(k), redactDeep(v, redact)]),
    ) as T;
  }
  return value;
}
