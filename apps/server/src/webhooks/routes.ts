import { apiRoutes } from "@syntra/contracts";
import type { FastifyRequest } from "fastify";
import { rawBodyOf } from "../http/raw-body";
import { implement } from "../http/route";
import { handleDelivery } from "./deliver";
import type { Provider } from "./push-events";

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Where each provider puts its event name, delivery id and signature. */
const HEADERS: Record<Provider, { event: string[]; delivery: string[]; signature: string[] }> = {
  github: { event: ["x-github-event"], delivery: ["x-github-delivery"], signature: ["x-hub-signature-256"] },
  gitlab: {
    event: ["x-gitlab-event"],
    delivery: ["x-gitlab-event-uuid", "x-gitlab-webhook-uuid"],
    signature: ["x-gitlab-token"],
  },
  gitea: {
    event: ["x-gitea-event", "x-forgejo-event", "x-gogs-event"],
    delivery: ["x-gitea-delivery", "x-forgejo-delivery", "x-gogs-delivery"],
    signature: ["x-gitea-signature", "x-forgejo-signature", "x-gogs-signature"],
  },
};

function webhookRoute(provider: Provider) {
  const names = HEADERS[provider];
  const first = (req: FastifyRequest, list: string[]) => list.map((n) => header(req, n)).find((v) => v);
  return implement(apiRoutes.webhooks[provider], {
    // Each deployment a push queues is audited by the delivery itself: deployment.create by the webhook intake.
    audit: { action: "deployment.create", resourceType: "deployment", byDomain: true },
    handler: async ({ req, deps }) =>
      handleDelivery(deps, {
        provider,
        rawBody: rawBodyOf(req),
        body: req.body,
        event: first(req, names.event),
        deliveryId: first(req, names.delivery),
        signature: first(req, names.signature),
      }),
  });
}

/** Push webhooks of GitHub (X-Hub-Signature-256), GitLab (X-Gitlab-Token) and Gitea/Forgejo (X-Gitea-Signature). */
export const webhookRoutes = [webhookRoute("github"), webhookRoute("gitlab"), webhookRoute("gitea")];
