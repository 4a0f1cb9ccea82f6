import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_PATH } from "../builds/builder/builder";
import { BuildError } from "../builds/builder/errors";
import { checkRef, type GitAuth, gitEnvironment, looksLikeSha, repoTransport } from "../builds/builder/git-source";
import { type CommandResult, runCommand } from "../builds/builder/run-command";
import type { CommitDiffSummary } from "./analysis-context";

/** Commits listed at most (and the history depth fetched), files listed at most, stack files with a hunk at most. */
const MAX_COMMITS = 30;
const MAX_FILES = 60;
const MAX_HUNK_FILES = 3;
/** Characters of one file's hunks sent at most. */
const MAX_HUNK_CHARS = 2_500;
/** git's empty tree: the "before" of a first commit. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** Where and how the range is fetched. */
export interface CommitDiffOptions {
  repoUrl: string;
  /** The service's git credentials, the ones its builds use. */
  auth: GitAuth | undefined;
  /** The commit live before (null: the first deployment, summarized against its parent). */
  fromSha: string | null;
  toSha: string;
  /** Paths of the stack's in-app frames: changed files among them get their hunks. */
  stackFiles: string[];
  /** A directory the bare repositories are kept in between analyses (one per repository URL). */
  cacheDir: string;
  /** PATH for git (default: the builder's). */
  pathVariable?: string;
  /** The whole fetch and summary must end within this (default 20 s). */
  timeoutMs?: number;
  /** A kept repository larger than this (packed and loose objects) is removed after use (default 256 MiB). */
  maxKeptBytes?: number;
}

const summaries = new Map<string, CommitDiffSummary>();
const MAX_CACHED = 200;
const locks = new Map<string, Promise<unknown>>();

/**
 * The commits between the deployment before and the one that first saw an error, from the repository the build
 * used: subjects, authors (names only), changed files with +/- counts and the hunks of the changed files the stack
 * trace runs through. Fetched with the service's git credentials into a bare repository kept per repository URL
 * (so the next analysis fetches only what is new), at most MAX_COMMITS deep, within a time limit; summaries are
 * cached in memory by range (commits do not change). Throws a BuildError (message without credentials) when git
 * cannot fetch the range.
 */
export async function summarizeCommitRange(opts: CommitDiffOptions): Promise<CommitDiffSummary> {
  repoTransport(opts.repoUrl);
  for (const sha of [opts.toSha, opts.fromSha]) {
    if (sha === null) continue;
    checkRef(sha);
    if (!looksLikeSha(sha)) throw new BuildError("INVALID_REQUEST", `${sha.slice(0, 80)} is not a commit SHA`);
  }
  const key = JSON.stringify([opts.repoUrl, opts.fromSha, opts.toSha, [...opts.stackFiles].sort()]);
  const cached = summaries.get(key);
  if (cached) return cached;
  const repoDir = path.join(opts.cacheDir, createHash("sha256").update(opts.repoUrl).digest("hex").slice(0, 24));
  // One fetch at a time per repository: git's own locks would fail the second one.
  const previous = locks.get(repoDir) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => fetchAndSummarize(opts, repoDir));
  locks.set(repoDir, mine);
  try {
    const summary = await mine;
    if (summaries.size >= MAX_CACHED) summaries.delete(summaries.keys().next().value as string);
    summaries.set(key, summary);
    return summary;
  } finally {
    if (locks.get(repoDir) === mine) locks.delete(repoDir);
  }
}

async function fetchAndSummarize(opts: CommitDiffOptions, repoDir: string): Promise<CommitDiffSummary> {
  await mkdir(opts.cacheDir, { recursive: true, mode: 0o700 });
  const secretsDir = await mkdtemp(path.join(opts.cacheDir, "secrets-"));
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 20_000);
  try {
    const env = await gitEnvironment({
      auth: opts.auth,
      secretsDir,
      knownHostsFile: path.join(opts.cacheDir, "known_hosts"),
      pathVariable: opts.pathVariable ?? DEFAULT_PATH,
    });
    const secrets = opts.auth?.kind === "token" ? [opts.auth.token] : [];
    const git = async (args: string[]): Promise<CommandResult> => {
      try {
        return await runCommand(["git", ...args], { cwd: repoDir, env, signal });
      } catch (err) {
        if (signal.aborted) throw new BuildError("CLONE_FAILED", "Fetching the commits timed out");
        throw new BuildError("CLONE_FAILED", `Could not run git: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const must = async (args: string[], what: string): Promise<string> => {
      const result = await git(args);
      if (result.code !== 0) throw new BuildError("CLONE_FAILED", `${what}: ${gitError(result, secrets)}`);
      return result.stdout;
    };
    if (!(await exists(path.join(repoDir, "HEAD")))) {
      await mkdir(repoDir, { recursive: true, mode: 0o700 });
      await must(["init", "--bare", "--quiet"], "git init failed");
    }
    const wanted = [opts.toSha, ...(opts.fromSha ? [opts.fromSha] : [])];
    const missing = [];
    for (const sha of wanted) if ((await git(["cat-file", "-e", `${sha}^{commit}`])).code !== 0) missing.push(sha);
    // The URL goes on the command line, never into the kept repository's config; credentials come from the env.
    if (missing.length > 0 || !opts.fromSha)
      await must(
        ["fetch", "--quiet", "--no-tags", `--depth=${MAX_COMMITS + 1}`, "--", opts.repoUrl, ...wanted],
        "Fetching the commits failed",
      );
    const base =
      opts.fromSha ?? ((await git(["rev-parse", "--verify", "--quiet", `${opts.toSha}^`])).stdout.trim() || EMPTY_TREE);
    const range = opts.fromSha ? [`${opts.fromSha}..${opts.toSha}`] : [opts.toSha, "-1"];
    const log = await must(
      ["log", `--max-count=${MAX_COMMITS + 1}`, "--format=%H%x00%an%x00%aI%x00%s%x1e", ...range, "--"],
      "Reading the commits failed",
    );
    const commits = log
      .split("\x1e")
      .map((r) => r.trim())
      .filter(Boolean)
      .map((r) => {
        const [sha = "", author = "", date = "", subject = ""] = r.split("\0");
        return { sha, author, date, subject };
      });
    const numstat = await must(["diff", "--numstat", "--no-color", base, opts.toSha, "--"], "Diffing failed");
    const files = numstat
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [added = "-", deleted = "-", ...rest] = line.split("\t");
        return {
          path: rest.join("\t"),
          additions: added === "-" ? null : Number(added),
          deletions: deleted === "-" ? null : Number(deleted),
        };
      });
    const inStack = files.filter((f) => opts.stackFiles.some((s) => sameFile(s, f.path)));
    const hunks = [];
    for (const file of inStack.slice(0, MAX_HUNK_FILES)) {
      const patch = await must(
        ["diff", "--no-color", "--unified=3", base, opts.toSha, "--", file.path],
        "Diffing a file failed",
      );
      const body = patch.slice(Math.max(patch.indexOf("\n@@"), 0)).trim();
      const touched = await must(
        ["log", "--format=%H", ...range, "--", file.path],
        "Reading the file's commits failed",
      );
      hunks.push({
        path: file.path,
        commits: touched.split("\n").filter(Boolean),
        patch: body.length > MAX_HUNK_CHARS ? `${body.slice(0, MAX_HUNK_CHARS)}\n[... cut]` : body,
      });
    }
    // Bounded disk: a repository whose history outgrew the limit is not kept (the next analysis fetches afresh).
    const counted = await must(["count-objects", "-v"], "Measuring the repository failed");
    const kib = [...counted.matchAll(/^(?:size|size-pack): (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    if (kib * 1024 > (opts.maxKeptBytes ?? 256 * 1024 * 1024)) await rm(repoDir, { recursive: true, force: true });
    // The files the stack runs through first: they are what the analysis looks at.
    const ordered = [...inStack, ...files.filter((f) => !inStack.includes(f))];
    return {
      commits: commits.slice(0, MAX_COMMITS),
      files: ordered.slice(0, MAX_FILES),
      totalFiles: files.length,
      stackFiles: inStack.map((f) => f.path),
      hunks,
      truncated: commits.length > MAX_COMMITS || files.length > MAX_FILES,
    };
  } finally {
    await rm(secretsDir, { recursive: true, force: true });
  }
}

/**
 * Whether a stack frame's path (absolute in the container, "/app/src/orders.ts", or relative, "./src/orders.ts")
 * names a repository path ("src/orders.ts"): one ends with the other at a path boundary.
 */
export function sameFile(framePath: string, repoPath: string): boolean {
  const a = framePath.replace(/^(\.\/|\/)+/, "");
  const b = repoPath.replace(/^(\.\/|\/)+/, "");
  if (!a || !b) return false;
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** git's "fatal:"/"error:" lines, the credentials masked, for the log and the context. */
function gitError(result: CommandResult, secrets: string[]): string {
  const lines = result.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^(fatal|error|remote):/i.test(l));
  let text = (lines.length > 0 ? lines : [result.stderr.trim() || `git exited with ${result.code}`]).join("; ");
  for (const s of secrets) if (s) text = text.split(s).join("***");
  return text.slice(0, 500);
}
