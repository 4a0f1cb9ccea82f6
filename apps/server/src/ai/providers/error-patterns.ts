/** A kind of failure recognisable from an exception's type and message alone. */
export interface ErrorPattern {
  id: string;
  test: RegExp;
  /** What it means, for the root cause. */
  cause: string;
  /** What usually fixes it. */
  fix: string;
  /** How bad it usually is when it starts after a deploy. */
  severity: "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";
}

/**
 * Known error patterns the offline analyzer matches against "<type>: <message>", first match wins. Kept to
 * failures common in production web services across Node, Python, Go and the JVM.
 */
export const ERROR_PATTERNS: ErrorPattern[] = [
  {
    id: "connection_pool_exhausted",
    test: /too many (?:clients|connections)|remaining connection slots|pool (?:is )?(?:exhausted|full)|timeout (?:exceeded )?(?:when |while )?acquiring|could not obtain connection|QueuePool limit|connection pool timeout/i,
    cause:
      "The database connection pool is exhausted: requests wait for a connection that never frees up (a leak, a pool too small for the load, or long transactions holding connections).",
    fix: "Release connections on every path (finally/using blocks), size the pool to the database's max_connections across replicas, and find the queries holding connections longest.",
    severity: "CRITICAL",
  },
  {
    id: "missing_env_var",
    test: /(?:environment variable|env(?:ironment)? var)\S*\s+\S*\s*(?:is )?(?:not set|missing|undefined|required)|missing required (?:env|config)|KeyError: '?[A-Z][A-Z0-9_]{2,}'?|process\.env\.[A-Z_]+ is undefined|Missing [A-Z][A-Z0-9_]{2,}|[A-Z][A-Z0-9_]{2,} (?:is )?(?:not set|required)/,
    cause: "A configuration value the code reads from the environment is not set in this deployment.",
    fix: "Set the variable in the service's environment (and as a build variable if the build needs it), or give the code a safe default and a clear start-up check.",
    severity: "HIGH",
  },
  {
    id: "connection_refused",
    test: /ECONNREFUSED|connection refused|could not connect to server|Connection reset by peer|ECONNRESET|EHOSTUNREACH/i,
    cause:
      "A dependency (database, cache, another service) refused or dropped the connection: it is down, restarting, or at another address.",
    fix: "Check that the dependency runs and its address in the service's configuration; add connection retries with backoff at start-up.",
    severity: "HIGH",
  },
  {
    id: "dns_failure",
    test: /ENOTFOUND|getaddrinfo|Name or service not known|no such host|Temporary failure in name resolution/i,
    cause: "A host name the code connects to does not resolve (a typo, a removed service, or DNS not reachable).",
    fix: "Check the host name in the configuration and that the service it names exists on the network.",
    severity: "HIGH",
  },
  {
    id: "slow_query_timeout",
    test: /statement timeout|canceling statement due to|query (?:read )?timeout|QueryTimeout|Lock wait timeout|deadlock detected|Query execution was interrupted/i,
    cause:
      "A database query runs longer than its timeout: a missing index, a changed query plan after a schema change, or lock contention.",
    fix: "EXPLAIN ANALYZE the query in the stack, add the index it needs, and keep long migrations out of peak hours.",
    severity: "HIGH",
  },
  {
    id: "out_of_memory",
    test: /out of memory|heap out of memory|MemoryError|OutOfMemoryError|Allocation failed|OOMKilled|Cannot allocate memory/i,
    cause:
      "The process runs out of memory: a leak, an unbounded cache or batch, or a memory limit below the working set.",
    fix: "Bound the data loaded at once, check for growth over time (a leak), and raise the memory limit if the working set is legitimately larger.",
    severity: "CRITICAL",
  },
  {
    id: "null_dereference",
    test: /Cannot read propert(?:y|ies) of (?:undefined|null)|undefined is not an object|is not a function|NoneType' object (?:has no attribute|is not subscriptable)|NullPointerException|nil pointer dereference|Cannot destructure/i,
    cause:
      "The code uses a value that is missing (undefined/null/None): data of a shape the code does not expect, or a field renamed or removed.",
    fix: "Handle the missing value where it is first read (validate the input at the edge) and check the change that altered the data's shape.",
    severity: "HIGH",
  },
  {
    id: "auth_failure",
    test: /\b401\b|\b403\b|Unauthorized|Forbidden|invalid api key|authentication failed|password authentication failed|access denied/i,
    cause:
      "A call is refused for its credentials: an expired or rotated key or password, or one missing in this environment.",
    fix: "Check the credential the failing call uses (rotated keys, the environment it is read from) and its permissions.",
    severity: "HIGH",
  },
  {
    id: "module_not_found",
    test: /Cannot find module|ModuleNotFoundError|ImportError|No module named|ClassNotFoundException|ERR_MODULE_NOT_FOUND/i,
    cause:
      "Code imports a module that is not in the image: a dependency missing from the manifest or lockfile, or a path changed.",
    fix: "Add the dependency to the manifest and lockfile (not only to a dev dependency), or fix the import path; rebuild.",
    severity: "CRITICAL",
  },
  {
    id: "parse_error",
    test: /Unexpected token|JSON\.parse|JSONDecodeError|invalid character|SyntaxError|malformed/i,
    cause:
      "The code parses data that is not in the format it expects (an error page instead of JSON, a changed API, a truncated body).",
    fix: "Check the response or file being parsed where it fails, and handle non-OK answers before parsing.",
    severity: "MEDIUM",
  },
  {
    id: "rate_limited_upstream",
    test: /\b429\b|Too Many Requests|rate limit/i,
    cause: "An upstream API rate-limits this service.",
    fix: "Back off and retry with jitter, cache answers, or ask for a higher limit.",
    severity: "MEDIUM",
  },
];

/** The first pattern matching the text, or undefined. */
export function matchErrorPattern(text: string): ErrorPattern | undefined {
  return ERROR_PATTERNS.find((p) => p.test.test(text));
}
