import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A bare repository on this machine (served over file://) and a work tree that pushes commits to it. */
export interface TestRepo {
  /** file:// URL of the bare repository. */
  url: string;
  bareDir: string;
  /** Writes (or, with null, deletes) files, commits them on `branch` and pushes; resolves with the commit SHA. */
  commit(files: Record<string, string | null>, message?: string, branch?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createTestRepo(): Promise<TestRepo> {
  const root = await mkdtemp(path.join(tmpdir(), "syntra-repo-"));
  const bareDir = path.join(root, "origin.git");
  const work = path.join(root, "work");
  const git = (cwd: string, ...args: string[]) =>
    run("git", args, { cwd, env: { PATH: process.env.PATH, HOME: root } });
  await mkdir(work);
  await git(root, "init", "--quiet", "--bare", "--initial-branch=main", bareDir);
  await git(work, "init", "--quiet", "--initial-branch=main");
  await git(work, "config", "user.email", "dev@example.com");
  await git(work, "config", "user.name", "Test Developer");
  return {
    url: `file://${bareDir}`,
    bareDir,
    async commit(files, message = "change", branch = "main") {
      await git(work, "checkout", "--quiet", "-B", branch);
      for (const [name, content] of Object.entries(files)) {
        const file = path.join(work, name);
        if (content === null) await rm(file, { force: true });
        else {
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, content);
        }
      }
      await git(work, "add", "--all");
      await git(work, "commit", "--quiet", "--allow-empty", "-m", message);
      await git(work, "push", "--quiet", "--force", bareDir, `${branch}:${branch}`);
      return (await git(work, "rev-parse", "HEAD")).stdout.trim();
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
