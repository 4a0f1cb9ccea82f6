import { createReadStream } from "node:fs";
import { defineRoute } from "../http/route";
import { agentBundle } from "./agent-bundle";
import { renderInstallScript } from "./install-script";

const script = defineRoute({
  method: "GET",
  url: "/install/agent.sh",
  summary: "The agent installer (POSIX sh) that a server's install command pipes into sh",
  tag: "install",
  access: { public: true },
  raw: true,
  produces: "text/x-shellscript",
  handler: async ({ deps, reply }) => {
    reply.type("text/x-shellscript; charset=utf-8").send(renderInstallScript(deps.config.publicUrl));
    return undefined;
  },
});

const bundle = defineRoute({
  method: "GET",
  url: "/install/syntra-agent.cjs",
  summary: "The agent as one JavaScript file for Node.js 20+ (no secrets inside)",
  tag: "install",
  access: { public: true },
  raw: true,
  produces: "application/javascript",
  handler: async ({ deps, reply }) => {
    const file = await agentBundle(deps.config.dataDir);
    reply.type("application/javascript").send(createReadStream(file));
    return undefined;
  },
});

/** What `curl … /install/agent.sh | sh` fetches. */
export const installRoutes = [script, bundle];
