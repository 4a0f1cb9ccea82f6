import { apiRoutes } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { generateDeployKey } from "../builds/builder/deploy-key";
import { services } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { getServiceRow } from "../services/services";
import { newWebhookSecret, openGitAuth, sealGitAuth, sealWebhookSecret } from "./credentials";

type ServiceRow = typeof services.$inferSelect;

function requireBuilt(row: ServiceRow): void {
  if (row.sourceType !== "dockerfile" && row.sourceType !== "nixpacks") {
    throw new AppError("UNPROCESSABLE", `Git settings are for services built from git; this one is ${row.sourceType}`);
  }
}

function describeCredentials(deps: AppDeps, row: ServiceRow) {
  const auth = openGitAuth(deps.keyring, row);
  return {
    kind: auth?.kind ?? ("none" as const),
    public_key: auth?.kind === "ssh_key" ? row.gitDeployKeyPublic : null,
  };
}

/** A new ssh deploy key for the service: the sealed private half and the public half to add at the git host. */
function sealedDeployKey(deps: AppDeps, row: ServiceRow) {
  const key = generateDeployKey(`syntra-${row.name}-${row.id.slice(0, 8)}`);
  return {
    gitAuthEncrypted: sealGitAuth(deps.keyring, row.id, { kind: "ssh_key", privateKeyPem: key.privateKeyPem }),
    gitDeployKeyPublic: key.publicKey,
  };
}

/** Where git hosts post push events; one URL per host format, the service found from the payload's repository. */
function webhookUrls(deps: AppDeps) {
  const base = `${deps.config.publicUrl}/api/v1/webhooks`;
  return { github: `${base}/github`, gitlab: `${base}/gitlab`, gitea: `${base}/gitea` };
}

const getCredentials = implement(apiRoutes.git.credentials, {
  handler: async ({ auth, deps, params }) =>
    describeCredentials(deps, await getServiceRow(deps.db, projectScope(auth), params.serviceId)),
});

const putCredentials = implement(apiRoutes.git.setCredentials, {
  audit: { action: "service.git_credentials", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    const row = await getServiceRow(deps.db, projectScope(auth), params.serviceId);
    requireBuilt(row);
    // Sealed (and a deploy key generated) before the unit of work: CPU work stays outside the transaction.
    const columns =
      body.kind === "token"
        ? { gitAuthEncrypted: sealGitAuth(deps.keyring, row.id, body), gitDeployKeyPublic: null }
        : sealedDeployKey(deps, row);
    audit({ resourceId: row.id, details: { kind: body.kind } });
    const [fresh] = await change((tx) => tx.update(services).set(columns).where(eq(services.id, row.id)).returning());
    return describeCredentials(deps, fresh ?? row);
  },
});

const deleteCredentials = implement(apiRoutes.git.removeCredentials, {
  audit: { action: "service.git_credentials_delete", resourceType: "service" },
  handler: async ({ auth, params, audit, change }) => {
    audit({ resourceId: params.serviceId });
    await change(async (tx) => {
      const row = await getServiceRow(tx, projectScope(auth), params.serviceId);
      await tx
        .update(services)
        .set({ gitAuthEncrypted: null, gitDeployKeyPublic: null })
        .where(eq(services.id, row.id));
    });
    return undefined;
  },
});

const getWebhook = implement(apiRoutes.git.webhook, {
  handler: async ({ auth, deps, params }) => {
    const row = await getServiceRow(deps.db, projectScope(auth), params.serviceId);
    return { configured: row.webhookSecretEncrypted !== null, urls: webhookUrls(deps) };
  },
});

const rotateWebhook = implement(apiRoutes.git.rotateWebhook, {
  audit: { action: "service.webhook_secret", resourceType: "service" },
  handler: async ({ auth, deps, params, audit, change }) => {
    const row = await getServiceRow(deps.db, projectScope(auth), params.serviceId);
    requireBuilt(row);
    const secret = newWebhookSecret();
    const sealed = sealWebhookSecret(deps.keyring, row.id, secret);
    audit({ resourceId: row.id });
    await change((tx) => tx.update(services).set({ webhookSecretEncrypted: sealed }).where(eq(services.id, row.id)));
    return { configured: true, urls: webhookUrls(deps), secret };
  },
});

/** A built service's git credentials and webhook secret. */
export const gitRoutes = [getCredentials, putCredentials, deleteCredentials, getWebhook, rotateWebhook];
