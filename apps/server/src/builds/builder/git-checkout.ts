import { mkdir } from "node:fs/promises";
import { BuildError } from "./errors";
import { checkRef, displayUrl, type GitAuth, gitEnvironment, looksLikeSha, repoTransport } from "./git-source";
import type { LogMasker } from "./log-masker";
import { type CommandResult, runCommand } from "./run-command";

/** The commit a checkout landed on. */
export interface CheckedOutCommit {
  commitSha: string;
  commitMessage: string;
  commitAuthor: string;
}

export interface CheckoutOptions {
  repoUrl: string;
  ref: string;
  auth: GitAuth | undefined;
  /** Empty directory the work tree goes into. */
  repoDir: string;
  /** Private directory (not in the build context) for credentials. */
  secretsDir: string;
  knownHostsFile: string;
  pathVariable: string;
  masker: LogMasker;
  signal: AbortSignal | undefined;
}

/**
 * Fetches exactly one commit (depth 1) into a fresh repository and checks it out. Git serves any reachable SHA
 * over protocol v2; an abbreviated SHA cannot be asked for, so for one that fails the branches are fetched and the
 * SHA is resolved locally.
 */
export async function checkoutCommit(opts: CheckoutOptions): Promise<CheckedOutCommit> {
  repoTransport(opts.repoUrl);
  checkRef(opts.ref);
  await mkdir(opts.repoDir, { recursive: true });
  const env = await gitEnvironment({
    auth: opts.auth,
    secretsDir: opts.secretsDir,
    knownHostsFile: opts.knownHostsFile,
    pathVariable: opts.pathVariable,
  });
  const git = async (args: string[], streamed = false): Promise<CommandResult> => {
    try {
      return await runCommand(["git", ...args], {
        cwd: opts.repoDir,
        env,
        signal: opts.signal,
        onStderr: streamed ? (chunk) => opts.masker.write(chunk) : undefined,
      });
    } catch (err) {
      if (err instanceof BuildError) throw err;
      // git itself could not be started (not installed, no such directory).
      throw new BuildError("CLONE_FAILED", `Could not run git: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const must = async (args: string[], code: "CLONE_FAILED" | "REF_NOT_FOUND", what: string) => {
    const result = await git(args);
    if (result.code !== 0) throw new BuildError(code, `${what}: ${gitMessage(result, opts.masker)}`);
    return result;
  };

  await must(["init", "--quiet"], "CLONE_FAILED", "git init failed");
  await must(["remote", "add", "origin", "--", opts.repoUrl], "CLONE_FAILED", "Adding the remote failed");
  opts.masker.write(`Fetching ${opts.ref} from ${displayUrl(opts.repoUrl)}\n`);

  const fetched = await git(["fetch", "--depth=1", "--no-tags", "origin", "--", opts.ref], true);
  let target = "FETCH_HEAD";
  if (fetched.code !== 0) {
    const message = gitMessage(fetched, opts.masker);
    if (!isMissingRef(fetched.stderr))
      throw new BuildError("CLONE_FAILED", `Fetching ${displayUrl(opts.repoUrl)} failed: ${message}`);
    if (!looksLikeSha(opts.ref)) throw refNotFound(opts);
    // An abbreviated SHA: fetch the branches' history and look for it.
    const all = await git(["fetch", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*"], true);
    if (all.code !== 0)
      throw new BuildError(
        "CLONE_FAILED",
        `Fetching ${displayUrl(opts.repoUrl)} failed: ${gitMessage(all, opts.masker)}`,
      );
    const resolved = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${opts.ref}^{commit}`]);
    if (resolved.code !== 0) throw refNotFound(opts);
    target = resolved.stdout.trim();
  }
  await must(
    ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", target],
    "CLONE_FAILED",
    "Checking out the commit failed",
  );
  const log = await must(["log", "-1", "--format=%H%x00%an <%ae>%x00%B"], "CLONE_FAILED", "Reading the commit failed");
  const [commitSha = "", commitAuthor = "", ...message] = log.stdout.split("\0");
  const commit = { commitSha, commitAuthor, commitMessage: message.join("\0").trim() };
  opts.masker.write(`Checked out ${commitSha}\n`);
  return commit;
}

function isMissingRef(stderr: string): boolean {
  return /couldn't find remote ref|not our ref|unadvertised object|no such remote ref|bad object/i.test(stderr);
}

function refNotFound(opts: CheckoutOptions): BuildError {
  return new BuildError("REF_NOT_FOUND", `${opts.ref} is neither a branch nor a commit of ${displayUrl(opts.repoUrl)}`);
}

/** git's own explanation (its "fatal:"/"error:" lines), masked, for the user. */
function gitMessage(result: CommandResult, masker: LogMasker): string {
  const lines = result.stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => /^(fatal|error|remote):/i.test(l));
  const text = (lines.length > 0 ? lines : [result.stderr.trim() || `git exited with ${result.code}`]).join("; ");
  return masker.mask(text).slice(0, 1000);
}
