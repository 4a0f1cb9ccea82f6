import { registryTokenQuery, registryTokenResponse } from "@syntra/contracts";
import { defineRoute } from "../http/route";
import { issueRegistryToken } from "./token-server";

/** Path of the token realm: the registry's `auth.token.realm` is the public URL plus this. */
export const REGISTRY_TOKEN_PATH = "/api/v1/registry/token";

/** The registry's token realm (SYNTRA_REGISTRY_AUTH=token): Docker clients trade Basic credentials for a JWT here. */
const registryToken = defineRoute({
  method: "GET",
  url: REGISTRY_TOKEN_PATH,
  summary: "Registry bearer token (Docker Registry v2 token authentication), for Basic credentials Syntra issued",
  tag: "registry",
  // Authenticated by its own Basic credentials (the build worker's, or a deploy's pull credential), not a user.
  access: { public: true },
  errors: ["UNAUTHORIZED", "NOT_FOUND"],
  query: registryTokenQuery,
  response: registryTokenResponse,
  envelope: false,
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

export const registryRoutes = [registryToken];
