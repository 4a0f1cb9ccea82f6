import { defineApiRoute } from "../route";

/** What `curl … /install/agent.sh | sh` fetches. */
export const installRoutes = {
  script: defineApiRoute({
    method: "GET",
    path: "/install/agent.sh",
    summary: "The agent installer (POSIX sh) that a server's install command pipes into sh",
    tag: "install",
    access: { public: true },
    answer: "file",
    produces: "text/x-shellscript",
  }),
  agentBundle: defineApiRoute({
    method: "GET",
    path: "/install/syntra-agent.cjs",
    summary: "The agent as one JavaScript file for Node.js 20+ (no secrets inside)",
    tag: "install",
    access: { public: true },
    answer: "file",
    produces: "application/javascript",
  }),
};
