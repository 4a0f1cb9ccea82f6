import assert from "node:assert/strict";
import { ingestErrorEvents } from "../../issues/ingest";
import { errorEventFixture, liveDeployment } from "../../testing/error-fixtures";
import type { TestApp } from "../../testing/harness";

/**
 * A new issue of the service, ingested as an SDK's event would be: first seen 4 minutes after deployment
 * "abc1234def" ('orders: join customer') went live, the deployment "0a1b2c3d4e" ('checkout: v1') a day before it.
 * Returns the issue id.
 */
export async function seedIssue(
  t: TestApp,
  serviceId: string,
  message: string,
  extra: {
    email?: string;
    traceId?: string;
    at?: number;
    /** The two deployments' commits (default: the made-up ones above, which no repository has). */
    shas?: { before: string; first: string };
  } = {},
): Promise<string> {
  const base = extra.at ?? Date.now() - 3_600_000;
  await liveDeployment(t.deps, serviceId, {
    createdAt: new Date(base - 86_400_000),
    sha: extra.shas?.before ?? "0a1b2c3d4e",
    message: "checkout: v1",
  });
  const live = new Date(base);
  const deployment = await liveDeployment(t.deps, serviceId, {
    createdAt: new Date(base - 30_000),
    liveAt: live,
    sha: extra.shas?.first ?? "abc1234def",
    message: "orders: join customer",
  });
  const event = errorEventFixture(serviceId, {
    deployment_id: deployment,
    timestamp: new Date(base + 4 * 60_000).toISOString(),
    message,
    fingerprint: [`issue-${Math.random()}`],
    ...(extra.traceId && { trace_id: extra.traceId }),
    context: {
      environment: "production",
      release: "",
      tags: { region: "eu" },
      extra: {},
      ...(extra.email && { user: { id: "u1", email: extra.email } }),
    },
  });
  const result = await ingestErrorEvents(t.deps, { serviceId }, [event]);
  const id = result.issues[0]?.id;
  assert.ok(id);
  return id;
}
