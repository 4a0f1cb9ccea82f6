import { agentCertificateGrant, agentEnrolmentBody } from "../agent-enrolment";
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
  agentEnrol: defineApiRoute({
    method: "POST",
    path: "/agent/enrol",
    summary: "An agent trades its one-time install token and a CSR for a client certificate (mutual TLS)",
    tag: "install",
    access: { public: true },
    body: agentEnrolmentBody,
    response: agentCertificateGrant,
    answer: "json",
    errors: ["UNAUTHORIZED", "INSTALL_TOKEN_USED", "CERTIFICATE_REQUEST_INVALID", "SERVICE_UNAVAILABLE"],
  }),
};
