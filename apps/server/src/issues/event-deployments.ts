import type { RawTx } from "../db/client";

/** A deployment of the service as attribution needs it. */
export interface DeploymentRef {
  id: string;
  createdAt: Date;
  /** When it went live (the agent reported it running); null while it has not. */
  liveAt: Date | null;
  gitCommitSha: string | null;
}

/** The deployments an event may belong to: every one it names, and the latest live ones of the service. */
export async function loadDeployments(tx: RawTx, serviceId: string, named: string[]): Promise<DeploymentRef[]> {
  const rows = await tx.query<{
    id: string;
    created_at: Date;
    finished_at: Date | null;
    git_commit_sha: string | null;
  }>(
    `SELECT id, created_at, finished_at, git_commit_sha FROM deployments
      WHERE service_id = $1 AND (id = ANY($2::uuid[]) OR status = 'running')
      ORDER BY created_at DESC LIMIT 500`,
    [serviceId, named],
  );
  return rows.map((r) => ({
    id: r.id,
    createdAt: new Date(r.created_at),
    liveAt: r.finished_at ? new Date(r.finished_at) : null,
    gitCommitSha: r.git_commit_sha,
  }));
}

/**
 * Which deployment produced an event: the one it names when that is the service's; else the one its release
 * names (a deployment id or a commit SHA of at least 7 characters); else the deployment that was live at
 * the event's time. Null when none fits (an app run outside Syntra, or before its first deployment).
 */
export function attributeDeployment(
  deployments: DeploymentRef[],
  event: { deploymentId: string | null; release: string; timestamp: Date },
): DeploymentRef | null {
  if (event.deploymentId) {
    const named = deployments.find((d) => d.id === event.deploymentId);
    if (named) return named;
  }
  const release = event.release.trim().toLowerCase();
  if (release) {
    const byId = deployments.find((d) => d.id === release);
    if (byId) return byId;
    const sha = /^(?:.*[@+-])?([0-9a-f]{7,40})$/.exec(release)?.[1];
    if (sha) {
      const same = deployments.filter((d) => d.gitCommitSha?.startsWith(sha));
      const live = same.find((d) => d.liveAt && d.liveAt <= event.timestamp);
      if (live ?? same[0]) return live ?? same[0] ?? null;
    }
  }
  // Newest first: the first deployment that went live before the event is the one that served it.
  return deployments.find((d) => d.liveAt !== null && d.liveAt <= event.timestamp) ?? null;
}
