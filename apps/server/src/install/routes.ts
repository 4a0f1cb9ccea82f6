import { createReadStream } from "node:fs";
import { apiRoutes } from "@syntra/contracts";
import { enrolAgent } from "../agents/enrolment";
import { loadAgentAuthority } from "../agents/pki/authority";
import { systemWork } from "../audit/unit-of-work";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { agentBundle } from "./agent-bundle";
import { renderInstallScript } from "./install-script";

const script = implement(apiRoutes.install.script, {
  handler: async ({ deps, reply }) => {
    reply.type("text/x-shellscript; charset=utf-8").send(renderInstallScript(deps.config.publicUrl));
    return undefined;
  },
});

const bundle = implement(apiRoutes.install.agentBundle, {
  handler: async ({ deps, reply }) => {
    const file = await agentBundle(deps.config.dataDir);
    reply.type("application/javascript").send(createReadStream(file));
    return undefined;
  },
});

const ENROL_AUDIT = { action: "server.agent_enrol", resourceType: "server" };

// On the API rather than the agent endpoint: the agent has no certificate yet, and a reverse proxy in front of the
// API is fine for this one plain HTTPS request. The token is in the body, never in a URL or a header a proxy logs.
const enrol = implement(apiRoutes.install.agentEnrol, {
  // Nobody is signed in: the entry's actor is the enrolment itself, stored with the certificate it records.
  audit: { ...ENROL_AUDIT, byDomain: true },
  handler: async ({ body, deps, req }) => {
    const endpoint = deps.agents.endpoint;
    if (!endpoint) throw new AppError("SERVICE_UNAVAILABLE", "The agent endpoint is not listening yet; try again");
    const authority = await loadAgentAuthority(deps.db, deps.keyring);
    const { server, grant } = await enrolAgent(
      deps.db,
      { authority, endpointUrl: endpoint.url, lifetimeMs: deps.config.agents.certificateLifetimeMs, now: deps.now() },
      body,
      systemWork(deps.db, "agent-enrolment", ENROL_AUDIT),
    );
    req.log.info({ server_id: server.id, not_after: grant.not_after }, "agent enrolled");
    return grant;
  },
});

/** What `curl … /install/agent.sh | sh` fetches, and where its agent enrols. */
export const installRoutes = [script, bundle, enrol];
