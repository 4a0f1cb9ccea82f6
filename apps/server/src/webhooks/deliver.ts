import type { WebhookResult } from "@syntra/contracts";
import { eq, inArray } from "drizzle-orm";
import picomatch from "picomatch";
import { systemWork } from "../audit/unit-of-work";
import { announceQueued, enqueueBuild, gitSourceOf } from "../builds/queue";
import type { Db } from "../db/client";
import { projects, services, webhookDeliveries } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { openWebhookSecret } from "../git/credentials";
import { publishDeploymentChange } from "../live/publish";
import { InvalidPushError, normalizeRepoUrl, type Provider, type PushEvent, parsePush } from "./push-events";
import { verifyGiteaSignature, verifyGithubSignature, verifyGitlabToken } from "./signatures";

type ServiceRow = typeof services.$inferSelect;

/** One delivery as it arrived: the raw body (signatures are over its bytes) and the headers that matter. */
export interface Delivery {
  provider: Provider;
  rawBody: Buffer;
  body: unknown;
  event: string | undefined;
  deliveryId: string | undefined;
  signature: string | undefined;
}

/** Whether `secret` authenticates the delivery, in the provider's scheme. */
function authentic(d: Delivery, secret: string): boolean {
  switch (d.provider) {
    case "github":
      return verifyGithubSignature(secret, d.rawBody, d.signature);
    case "gitea":
      return verifyGiteaSignature(secret, d.rawBody, d.signature);
    case "gitlab":
      return verifyGitlabToken(secret, d.signature);
  }
}

/** The payload's repository URLs (any event of any provider carries `repository` or `project`). */
function repositoryUrls(body: unknown): string[] {
  const b = (body ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const fields = ["clone_url", "ssh_url", "html_url", "git_http_url", "git_ssh_url", "url", "homepage", "web_url"];
  return [b.repository, b.project]
    .flatMap((o) => fields.map((f) => o?.[f]))
    .filter((u): u is string => typeof u === "string" && u.length > 0);
}

/** Built services whose repository is the payload's and whose webhook secret authenticates it. */
async function authenticatedServices(deps: AppDeps, d: Delivery): Promise<ServiceRow[]> {
  const wanted = new Set(repositoryUrls(d.body).map(normalizeRepoUrl));
  if (wanted.size === 0) return [];
  const rows = await deps.db
    .select({ service: services, project: projects })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(inArray(services.sourceType, ["dockerfile", "nixpacks"]));
  const out: ServiceRow[] = [];
  for (const { service, project } of rows) {
    const repo = service.gitRepoUrl ?? project.gitRepoUrl;
    if (!repo || !wanted.has(normalizeRepoUrl(repo))) continue;
    let secret: string | undefined;
    try {
      secret = openWebhookSecret(deps.keyring, service);
    } catch (err) {
      deps.logger.warn({ err, service_id: service.id }, "webhook secret cannot be decrypted");
    }
    if (secret && authentic(d, secret)) out.push(service);
  }
  return out;
}

/** Why a push does not deploy this service, or null when it does. */
function skipReason(service: ServiceRow, branch: string, push: PushEvent): string | null {
  if (service.autoDeploy === false) return "auto_deploy is off for this service";
  if (push.deleted) return "the branch was deleted";
  if (push.branch === null) return "not a branch push (tag)";
  if (push.branch !== branch) return `push to ${push.branch}; the service deploys ${branch}`;
  if (service.watchPaths.length > 0 && push.changedPaths !== null) {
    const matches = picomatch(service.watchPaths, { dot: true });
    if (!push.changedPaths.some((p) => matches(p))) return "no changed file matches the service's watch paths";
  }
  return null;
}

/** Remembers a delivery id; false when it was seen before (a redelivery). */
async function firstDelivery(db: Db, d: Delivery): Promise<boolean> {
  if (!d.deliveryId) return true;
  const inserted = await db
    .insert(webhookDeliveries)
    .values({ provider: d.provider, deliveryId: d.deliveryId.slice(0, 255) })
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.deliveryId });
  return inserted.length > 0;
}

const PUSH_EVENTS: Record<Provider, string> = { github: "push", gitea: "push", gitlab: "Push Hook" };

/** What each build a push queues is audited as: a deployment created by Syntra's webhook intake. */
const DEPLOYMENT_CREATE = { action: "deployment.create", resourceType: "deployment" };

/**
 * Handles a webhook delivery: authenticates it against the secrets of the services built from its
 * repository (401 when none matches: a bad, missing or foreign signature look the same), ignores
 * redeliveries, and queues a build of each service the push concerns, each with its audit entry (actor: the
 * webhook intake; details: the provider, the delivery id and the commit). The delivery id, the builds and their
 * entries are stored in one transaction: a delivery that fails leaves nothing, so the git host's redelivery of it
 * is handled afresh rather than ignored as already seen.
 */
export async function handleDelivery(deps: AppDeps, d: Delivery): Promise<WebhookResult> {
  const matched = await authenticatedServices(deps, d);
  if (matched.length === 0) {
    // Headers and ids only: the payload may carry tokens in URLs or commit messages.
    deps.logger.warn(
      { provider: d.provider, event: d.event, delivery: d.deliveryId },
      "webhook refused: bad signature",
    );
    throw new AppError("UNAUTHORIZED", "The webhook signature does not match any service built from this repository");
  }
  const event = d.event ?? "unknown";
  const base = { event, deployments: [], skipped: [], duplicate: false };
  // Database work only inside (see audit/unit-of-work.ts): `tx` for every query, live updates after the commit.
  const result = await deps.db.transaction(async (tx): Promise<WebhookResult> => {
    if (!(await firstDelivery(tx, d))) return { ...base, duplicate: true };
    if (event === "ping" || event === "System Hook") return base;
    if (event !== PUSH_EVENTS[d.provider]) {
      return { ...base, skipped: matched.map((s) => ({ service_id: s.id, reason: `event ${event} is not handled` })) };
    }
    let push: PushEvent;
    try {
      push = parsePush(d.body);
    } catch (err) {
      if (!(err instanceof InvalidPushError)) throw err;
      throw new AppError("VALIDATION_ERROR", `The push payload cannot be used: ${err.message}`, err.issues);
    }
    return queueBuilds(deps, tx, d, matched, push);
  });
  for (const queued of result.deployments) await publishDeploymentChange(deps, queued.deployment_id);
  if (result.deployments.length > 0) announceQueued(deps);
  return result;
}

/** Queues a build of each matched service the push concerns (each its own savepoint), in the delivery's `tx`. */
async function queueBuilds(
  deps: AppDeps,
  tx: Db,
  d: Delivery,
  matched: ServiceRow[],
  push: PushEvent,
): Promise<WebhookResult> {
  const result: WebhookResult = { event: d.event ?? "unknown", deployments: [], skipped: [], duplicate: false };
  const delivery = { provider: d.provider, delivery_id: d.deliveryId?.slice(0, 255) ?? null };
  for (const service of matched) {
    const [project] = await tx.select().from(projects).where(eq(projects.id, service.projectId));
    if (!project) continue;
    const reason = skipReason(service, gitSourceOf(service, project).branch, push);
    if (reason) {
      result.skipped.push({ service_id: service.id, reason });
      continue;
    }
    try {
      const row = await enqueueBuild(
        deps,
        service,
        {
          ref: push.after,
          commit: { sha: push.after.slice(0, 40), message: push.headMessage },
          trigger: "git_push",
          userId: null,
        },
        systemWork(tx, "webhook", DEPLOYMENT_CREATE, { details: delivery }),
      );
      result.deployments.push({ service_id: service.id, deployment_id: row.id });
    } catch (err) {
      // Refused for this service (its savepoint rolled back); the other services' builds still go ahead.
      if (!(err instanceof AppError)) throw err;
      result.skipped.push({ service_id: service.id, reason: err.message });
    }
  }
  return result;
}
