import { goApp } from "./go-app";
import { nodeApp } from "./node-app";
import { pythonApp } from "./python-app";
import type { GeneratedDockerfile, StackInput } from "./stack";
import { staticSite } from "./static-site";

/** Tried in order: a repo with package.json and an index.html is a Node app that happens to ship a page. */
const STACKS = [nodeApp, pythonApp, goApp, staticSite];

/** What the build context holds and a Dockerfile for it, or null when no stack fits. */
export async function detectStack(input: StackInput): Promise<GeneratedDockerfile | null> {
  for (const stack of STACKS) {
    const found = await stack(input);
    if (found) return found;
  }
  return null;
}

/** What NO_BUILDABLE_STACK tells the user to add. */
export const SUPPORTED_STACKS =
  "a Dockerfile, package.json (with a start script, a main file or a front-end build), requirements.txt or " +
  "pyproject.toml (with app.py, main.py or manage.py), go.mod (with a main package), or index.html";
