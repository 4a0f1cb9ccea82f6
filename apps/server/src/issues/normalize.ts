// Normalization for grouping: the parts of an error that change from one occurrence to the next (ids, numbers,
// addresses, timestamps) become placeholders, so "user 123 not found" and "user 456 not found" are one issue.
// The order of the rules matters: a URL holds numbers and a UUID holds hex, so the wider patterns go first.

const RULES: readonly [RegExp, string][] = [
  // Scheme URLs (http, postgres, redis, ...): hosts, paths and query strings vary per request.
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>()]+/gi, "<url>"],
  [/\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b/gi, "<email>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  // ISO 8601 and SQL-style timestamps, with optional fraction and offset; then bare dates and clock times.
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?(?![\w:])/gi, "<timestamp>"],
  [/\b\d{4}-\d{2}-\d{2}\b/g, "<timestamp>"],
  [/\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g, "<timestamp>"],
  // IPv4 with an optional port, then IPv6 (at least two groups around `::`, or eight full groups).
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, "<ip>"],
  [/(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])/gi, "<ip>"],
  [/(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?(?![\w:])/gi, "<ip>"],
  [/(?<![\w:])::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)(?![\w:])/gi, "<ip>"],
  // Hex: 0x-prefixed values (addresses), and runs of 8+ hex digits with a digit in them (hashes, git SHAs).
  [/\b0x[0-9a-f]+\b/gi, "<hex>"],
  [/\b(?=[a-f]*\d)[0-9a-f]{8,}\b/gi, "<hex>"],
  // Prefixed ids (`cus_8fK2p9Lm`, `req-4f9a1b2c`) and long random tokens mixing letters and digits.
  [/\b[a-z]{2,12}[_-](?=[a-z0-9]*\d)[a-z0-9]{6,}\b/gi, "<id>"],
  [/\b(?=[a-z0-9_-]*\d)(?=[a-z0-9_-]*[a-z])[a-z0-9_-]{20,}\b/gi, "<id>"],
  // Numbers last: anything numeric that is a word of its own (not the 8 of utf8), with a fraction or exponent.
  [/(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w])/gi, "<num>"],
];

/** The longest message grouping looks at; the rest of a long message rarely tells two errors apart. */
const MAX_MESSAGE_CHARS = 1024;

/**
 * An error message with its variable parts replaced by placeholders (`<url>`, `<email>`, `<uuid>`,
 * `<timestamp>`, `<ip>`, `<hex>`, `<id>`, `<num>`), whitespace collapsed.
 */
export function normalizeMessage(message: string): string {
  let out = message.slice(0, MAX_MESSAGE_CHARS);
  for (const [pattern, placeholder] of RULES) out = out.replace(pattern, placeholder);
  return out.replace(/\s+/g, " ").trim();
}

// Path prefixes that differ between machines, package managers and build folders; what follows them is stable.
const PACKAGE_ROOTS = [/^.*\/node_modules\//, /^.*\/(?:site|dist)-packages\//, /^.*\/vendor\/bundle\/[^/]+\/gems\//];

/**
 * A frame's filename without what changes between deploys of the same code: URL origins and query strings,
 * `file://`/`webpack://`/`app:///` prefixes, install locations of packages, and content hashes or versions
 * in file and folder names (`main.3f9a8b2c.js`, `pkg@1.2.3`).
 */
export function normalizeFilename(filename: string): string {
  let f = filename.trim().replace(/\\/g, "/");
  f = f.replace(/[?#].*$/, "");
  f = f.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
  f = f.replace(/^[a-z]:\//i, "/");
  for (const root of PACKAGE_ROOTS) {
    if (root.test(f)) {
      f = f.replace(root, "");
      break;
    }
  }
  return (
    f
      // pnpm's store folders (`.pnpm/express@4.18.2/node_modules/`) and versioned package folders.
      .replace(/@\d+\.\d+\.\d+[^/]*/g, "")
      .replace(/\/v?\d+\.\d+\.\d+[^/]*\//g, "/<version>/")
      // Content hashes between dots or dashes of a file name (`app.3f9a8b2c.js`, `chunk-4d5e6f7a.js`).
      .replace(/([.-])[0-9a-f]{6,}(?=[.-])/gi, "$1<hash>")
      .replace(/([.-])(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{8,}(?=\.[a-z]+$)/gi, "$1<hash>")
  );
}

/**
 * A function name without what a runtime makes up per occurrence: memory addresses, numbered closures and
 * lambdas (`$3`, `lambda_12`), and the `async`/`*` markers of an otherwise identical function.
 */
export function normalizeFunction(name: string): string {
  return name
    .trim()
    .replace(/^async\*?\s+|^\*\s*/, "")
    .replace(/\b0x[0-9a-f]+\b/gi, "<hex>")
    .replace(/([$#_])\d+\b/g, "$1<num>");
}

/** Longer context lines are minified code, which changes with every build: grouping leaves them out. */
const MAX_CONTEXT_LINE_CHARS = 120;

/** A source line with its indentation and runs of spaces removed; undefined when missing or minified. */
export function normalizeContextLine(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const compact = line.replace(/\s+/g, " ").trim();
  if (compact === "" || compact.length > MAX_CONTEXT_LINE_CHARS) return undefined;
  return compact;
}
