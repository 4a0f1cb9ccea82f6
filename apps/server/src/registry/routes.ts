import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { issueRegistryToken } from "./token-server";

/** Path of the token realm: the registry's `auth.token.realm` is the public URL plus this. */
export const REGISTRY_TOKEN_PATH = apiRoutes.registry.token.path;

/** The registry's token realm (SYNTRA_REGISTRY_AUTH=token): Docker clients trade Basic credentials for a JWT here. */
const registryToken = implement(apiRoutes.registry.token, {
  handler: async ({ req, deps, query }) =>
    issueRegistryToken(
      {
        registry: deps.config.builds.registry,
        keyring: deps.keyring,
        dataDir: deps.config.dataDir,
        now: deps.now(),
        onRefusal: (reason, username) => req.log.info({ reason, username }, "registry token refused"),
        onIssue: (subject, access) =>
          req.log.info(
            { subject, access: access.map((a) => `${a.type}:${a.name}:${a.actions.join(",")}`) },
            "registry token issued",
          ),
      },
      req.headers.authorization,
      query,
    ),
});

/** The registry token realm. */
export const registryRoutes = [registryToken];
