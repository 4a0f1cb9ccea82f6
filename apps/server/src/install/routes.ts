import { createReadStream } from "node:fs";
import { apiRoutes } from "@syntra/contracts";
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

/** What `curl … /install/agent.sh | sh` fetches. */
export const installRoutes = [script, bundle];
