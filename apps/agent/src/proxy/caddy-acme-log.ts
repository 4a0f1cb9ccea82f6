import { open } from "node:fs/promises";
import type { CertificateInfo } from "./types";

/** Why a domain has no certificate, as certificate_status carries it. */
export type CertificateFailure = NonNullable<CertificateInfo["error"]>;

/** Caddy loggers that tell how obtaining certificates goes (2.6 names, and those of later versions). */
export const ACME_LOGGERS = ["tls.obtain", "tls.renew", "http.acme_client", "tls.issuance"];

/**
 * Caddy's `logging.logs` entry that writes those loggers to `file` as JSON lines, for AcmeEventLog to read.
 * Rolled at 5 MB, two old files kept.
 */
export function acmeLogConfig(file: string): Record<string, unknown> {
  return {
    writer: { output: "file", filename: file, roll_size_mb: 5, roll_keep: 2 },
    encoder: { format: "json" },
    include: ACME_LOGGERS,
  };
}

const PROBLEM_PREFIX = "urn:ietf:params:acme:error:";

/** The failure code for an ACME problem type (RFC 8555 section 6.7), with or without the URN prefix. */
export function classifyAcmeProblem(type: string): CertificateFailure["code"] {
  const name = type.startsWith(PROBLEM_PREFIX) ? type.slice(PROBLEM_PREFIX.length) : type;
  if (name === "rateLimited") return "rate_limited";
  if (name === "dns") return "dns_not_pointing_here";
  if (name === "connection") return "port_80_unreachable";
  // unauthorized, incorrectResponse, tls, caa, malformed …: the CA reached the server and the proof failed.
  return name === "" ? "unknown" : "challenge_failed";
}

interface Problem {
  type: string;
  detail: string;
  /** The challenge type it came from, when known. */
  challenge?: string;
}

// When several challenges failed in one attempt, the most telling problem names the failure: a rate limit
// or a DNS failure explains the rest, and a refused connection says more than the TLS challenge's echo of it.
// Among equals, HTTP-01's detail (the status code or connection error it got) says most.
const PRIORITY = ["rateLimited", "dns", "connection"];

function rank(problem: Problem): number {
  const index = PRIORITY.indexOf(problem.type.replace(PROBLEM_PREFIX, ""));
  return (index === -1 ? PRIORITY.length : index) * 2 + (problem.challenge === "http-01" ? 0 : 1);
}

// "… HTTP 429 urn:ietf:params:acme:error:rateLimited - <detail> (ca=…)" inside Caddy's error strings.
const problemInText = /(urn:ietf:params:acme:error:[A-Za-z]+) - (.*?)(?: \(ca=[^)]*\))?$/s;

/**
 * The ACME outcome per domain, folded from Caddy's log lines. An attempt starts at "obtaining certificate",
 * collects each failed challenge's problem, and ends with "could not get certificate from issuer" (the
 * domain's failure is then the attempt's most telling problem, with the CA's own detail text) or with
 * "certificate obtained successfully" (the failure is cleared). A failure stays until a later attempt ends;
 * attempts cancelled by a config reload end nothing.
 */
export class AcmeOutcomes {
  private readonly attempts = new Map<string, Problem[]>();
  private readonly failed = new Map<string, CertificateFailure>();

  /** Takes one log line; lines that are not JSON or not about obtaining certificates are ignored. */
  add(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const domain = typeof entry.identifier === "string" ? entry.identifier.toLowerCase() : null;
    if (!domain) return;
    switch (entry.msg) {
      case "obtaining certificate":
        this.attempts.set(domain, []);
        return;
      case "challenge failed": {
        const problem = challengeProblem(entry);
        if (problem) this.attempts.set(domain, [...(this.attempts.get(domain) ?? []), problem]);
        return;
      }
      case "could not get certificate from issuer": {
        const error = typeof entry.error === "string" ? entry.error : "";
        // A config reload cancels attempts in flight; they start again and say nothing about the domain.
        if (!error.includes("context canceled")) this.failed.set(domain, this.conclude(domain, error));
        this.attempts.delete(domain);
        return;
      }
      case "certificate obtained successfully":
      case "certificate renewed successfully":
        this.failed.delete(domain);
        this.attempts.delete(domain);
        return;
      default:
        return;
    }
  }

  /** The last failure of each domain whose latest finished attempt failed. */
  failures(): Map<string, CertificateFailure> {
    return new Map(this.failed);
  }

  private conclude(domain: string, error: string): CertificateFailure {
    const problems = [...(this.attempts.get(domain) ?? [])];
    const inText = problemInText.exec(error);
    if (inText?.[1] && inText[2] !== undefined) problems.push({ type: inText[1], detail: inText[2] });
    const [worst] = problems.sort((a, b) => rank(a) - rank(b));
    if (!worst) return { code: "unknown", message: (error || "Caddy could not obtain a certificate").slice(0, 2000) };
    return { code: classifyAcmeProblem(worst.type), message: worst.detail.slice(0, 2000) };
  }
}

/** The problem of a "challenge failed" line: Caddy 2.6 logs `problem_type` and `error`, later ones `problem`. */
function challengeProblem(entry: Record<string, unknown>): Problem | null {
  const nested = entry.problem as { type?: unknown; detail?: unknown } | undefined;
  const type = typeof entry.problem_type === "string" ? entry.problem_type : nested?.type;
  const detail = typeof entry.error === "string" ? entry.error : nested?.detail;
  if (typeof type !== "string") return null;
  const challenge = typeof entry.challenge_type === "string" ? entry.challenge_type : undefined;
  return { type, detail: typeof detail === "string" ? detail : "", challenge };
}

// At start-up only the end of a long log is read: older attempts have been superseded.
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

/**
 * Follows the JSON log Caddy writes with `acmeLogConfig` and keeps the ACME outcome per domain. Each call
 * to failures() reads what was appended since the last; a rolled (shorter) file is read from its start.
 */
export class AcmeEventLog {
  private readonly outcomes = new AcmeOutcomes();
  private offset = -1;
  private partial = "";

  constructor(readonly file: string) {}

  async failures(): Promise<Map<string, CertificateFailure>> {
    await this.readNew();
    return this.outcomes.failures();
  }

  private async readNew(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, "r");
    } catch {
      return; // Not written yet: Caddy creates it on its first line.
    }
    try {
      const { size } = await handle.stat();
      let skipFirstLine = false;
      if (this.offset < 0) {
        this.offset = Math.max(0, size - MAX_BACKLOG_BYTES);
        skipFirstLine = this.offset > 0;
      } else if (size < this.offset) {
        this.offset = 0;
        this.partial = "";
      }
      if (size === this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buffer.subarray(0, bytesRead).toString("utf8")).split("\n");
      this.partial = lines.pop() ?? "";
      if (skipFirstLine) lines.shift();
      for (const line of lines) this.outcomes.add(line);
    } finally {
      await handle.close();
    }
  }
}
