import type { Deployment } from "@syntra/contracts";
import type { Paint } from "./style";

/** A deployment status in its colour: green when running, red when it failed, yellow on its way. */
export function statusText(paint: Paint, status: string): string {
  if (status === "running" || status === "online") return paint.green(status);
  if (["failed", "rolled_back", "cancelled", "offline", "error"].includes(status)) return paint.red(status);
  return paint.yellow(status);
}

/** "3m ago", "2h ago", "5d ago". */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "-";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** What a deployment deployed: the commit, else the image's tag. */
export function deployedWhat(d: Pick<Deployment, "git_commit_sha" | "image">): string {
  if (d.git_commit_sha) return d.git_commit_sha.slice(0, 7);
  return d.image?.split("/").pop() ?? "-";
}
