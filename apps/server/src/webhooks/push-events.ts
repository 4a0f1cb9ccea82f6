import { text } from "@syntra/contracts";
import { z } from "zod";

/** The providers whose push hooks Syntra understands. */
export type Provider = "github" | "gitlab" | "gitea";

/** A push, whatever host sent it. */
export interface PushEvent {
  /** Every URL the payload gives for the repository (https clone, ssh, web). */
  repoUrls: string[];
  /** The branch pushed to, or null for tags. */
  branch: string | null;
  /** The commit the branch now points at. */
  after: string;
  headMessage: string | null;
  /** Paths added, modified or removed by the pushed commits; null when the host did not list them all. */
  changedPaths: string[] | null;
  /** The branch was deleted. */
  deleted: boolean;
}

/** A commit id as git hosts send it: SHA-1 (40 hex) or SHA-256 (64 hex). */
const commitSha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, "expected a 40 or 64 character hex commit id");

// Every string read from a payload is bounded and storable: it may become a deployment's commit message or ref.
const path = text(4096);
const commit = z.object({
  id: text(64).optional(),
  message: text(100_000).optional(),
  added: z.array(path).optional(),
  removed: z.array(path).optional(),
  modified: z.array(path).optional(),
});

const url = text(2000).optional().nullable();

// Only the fields Syntra reads; hosts send many more, and every one of these may be missing.
const pushPayload = z
  .object({
    ref: text(1000),
    after: commitSha.optional(),
    checkout_sha: commitSha.optional().nullable(),
    deleted: z.boolean().optional(),
    commits: z.array(commit).optional(),
    total_commits_count: z.number().optional(),
    head_commit: commit.optional().nullable(),
    repository: z
      .object({
        clone_url: url,
        ssh_url: url,
        html_url: url,
        git_http_url: url,
        git_ssh_url: url,
        url: url,
        homepage: url,
      })
      .optional(),
    project: z.object({ git_http_url: url, git_ssh_url: url, web_url: url }).optional(),
  })
  .refine((p) => Boolean(p.checkout_sha ?? p.after), {
    message: "a push names its new commit in 'after'",
    path: ["after"],
  });

const ZERO_SHA = /^0{40}$/;

/** A push payload that cannot be used, with the fields at fault (`body.after: expected ...`). */
export class InvalidPushError extends Error {
  override readonly name = "InvalidPushError";
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  }
}

/**
 * Reads a push payload of any of the providers. Only the fields Syntra reads are checked (hosts send many more);
 * throws InvalidPushError naming them when one is missing or malformed, e.g. an `after` that is no commit id.
 */
export function parsePush(body: unknown): PushEvent {
  const parsed = pushPayload.safeParse(body);
  if (!parsed.success) {
    throw new InvalidPushError(
      parsed.error.issues
        .slice(0, 20)
        .map((i) => ({ path: ["body", ...i.path.map(String)].join("."), message: i.message })),
    );
  }
  const p = parsed.data;
  const after = p.checkout_sha ?? p.after ?? "";
  const urls = [
    p.repository?.clone_url,
    p.repository?.ssh_url,
    p.repository?.html_url,
    p.repository?.git_http_url,
    p.repository?.git_ssh_url,
    p.repository?.url,
    p.repository?.homepage,
    p.project?.git_http_url,
    p.project?.git_ssh_url,
    p.project?.web_url,
  ].filter((u): u is string => typeof u === "string" && u.length > 0);
  const commits = p.commits ?? [];
  // GitHub lists at most 2048 commits and GitLab 20 (with total_commits_count): past that the list is partial.
  const complete =
    commits.length > 0 && (p.total_commits_count === undefined || p.total_commits_count <= commits.length);
  const changed = complete
    ? [...new Set(commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]))]
    : null;
  return {
    repoUrls: [...new Set(urls)],
    branch: p.ref.startsWith("refs/heads/") ? p.ref.slice("refs/heads/".length) : null,
    after,
    headMessage: p.head_commit?.message ?? commits.at(-1)?.message ?? null,
    changedPaths: changed,
    deleted: p.deleted === true || ZERO_SHA.test(after),
  };
}

/**
 * A repository URL reduced to host and path, so the https, ssh and web URLs of one repository compare equal:
 * `https://GitHub.com/acme/app.git`, `git@github.com:acme/app.git` and `ssh://git@github.com/acme/app` all
 * become `github.com/acme/app`. Local `file://` URLs keep their path.
 */
export function normalizeRepoUrl(raw: string): string {
  let value = raw.trim();
  const scp = /^[A-Za-z0-9._-]+@([^:/]+):(.+)$/.exec(value);
  if (scp) value = `ssh://${scp[1]}/${scp[2]}`;
  let host = "";
  let pathname = value;
  try {
    const u = new URL(value);
    host = u.protocol === "file:" ? "file:" : u.hostname.toLowerCase();
    pathname = decodeURIComponent(u.pathname);
  } catch {
    // Not a URL: compare it as it is.
  }
  pathname = pathname
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .replace(/^\/+/, "");
  return `${host}/${pathname}`;
}
