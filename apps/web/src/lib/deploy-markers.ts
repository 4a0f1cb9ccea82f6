import type { Deployment } from "@syntra/contracts";
import { api } from "./api";
import { useQuery } from "./query";
import type { ResolvedRange } from "./time-range";

/** A deployment drawn on a time chart: where (when it went live, or ended) and what it was. */
export interface DeployMarker {
  id: string;
  at: number;
  label: string;
  status: Deployment["status"];
  href: string;
}

/**
 * The service's deployments made in the range, as chart markers (every time chart of the service's pages draws
 * them; a click opens the deployment).
 */
export function useDeployMarkers(serviceId: string, projectId: string, range: ResolvedRange): DeployMarker[] {
  const query = useQuery(`service:${serviceId}:deployments:${range.query.from}:${range.query.to}`, () =>
    api.services.deployments({ serviceId, ...range.query, limit: 100 }),
  );
  return (query.data ?? []).map((d) => ({
    id: d.id,
    at: Date.parse(d.finished_at ?? d.started_at ?? d.created_at),
    label: d.git_commit_sha ? d.git_commit_sha.slice(0, 7) : (d.image?.split(":").at(-1) ?? d.id.slice(0, 8)),
    status: d.status,
    href: `/projects/${projectId}/services/${serviceId}/deployments?d=${d.id}`,
  }));
}
