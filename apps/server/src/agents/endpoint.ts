import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { createReadStream } from "node:fs";
import type { TLSSocket } from "node:tls";
import {
  AGENT_ENDPOINT_PATHS,
  AGENT_ENDPOINT_TLS_NAME,
  agentCertificateGrant,
  certificateRenewalBody,
} from "@syntra/contracts";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { installErrorHandler } from "../http/error-handler";
import { parseInput } from "../http/validation";
import { type CertifiedServer, renewAgentCertificate } from "./enrolment";
import { type AgentAuthority, loadAgentAuthority } from "./pki/authority";
import { certificateFingerprint, issueCertificate } from "./pki/x509";
import { type AgentRelease, loadAgentRelease } from "./release";
import { AGENT_WS_PATH, agentVersionHeader, refuseWhileAdmissionFull, registerAgentSocket } from "./ws-route";

/** The mutual-TLS listener agents connect to, and what it hands out. */
export interface AgentEndpoint {
  /** Where agents reach it: wss://host:port. */
  url: string;
  port: number;
  authority: AgentAuthority;
  /** The bundle offered in updates (null: none that names its version); update_agent and downloads read it. */
  release: AgentRelease | null;
  close(): Promise<void>;
}

// The endpoint's own certificate is short-lived too; a new one is made when half of its life is gone.
const SERVER_CERT_MS = 30 * 86_400_000;
// How long a shutting-down endpoint waits for its agents' sockets to finish closing before it ends them.
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * Starts the agent endpoint: HTTPS on a port of its own that asks every client for a certificate of the agents' CA
 * and refuses the handshake without one (another CA, expired). Each request is then matched to its server by the
 * certificate's SHA-256 (one indexed lookup), so a revoked certificate or a deleted server's is refused before the
 * WebSocket opens. Serves the agent WebSocket, certificate renewal and the update bundle.
 */
export async function startAgentEndpoint(deps: AppDeps): Promise<AgentEndpoint> {
  const authority = await loadAgentAuthority(deps.db, deps.keyring, deps.now());
  const release = await loadAgentRelease(
    { bundleFile: deps.config.agents.bundleFile, dataDir: deps.config.dataDir },
    authority,
  );
  if (!release) deps.logger.warn("the agent bundle names no version: agents are not offered updates");
  const tls = () => serverCredentials(authority, deps.now());
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "agent-endpoint" }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    https: { ...tls(), requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" },
  });
  installErrorHandler(app);
  const servers = new WeakMap<FastifyRequest, CertifiedServer & { fingerprint: string; verify: boolean }>();
  app.addHook("onRequest", async (req) => {
    // A storm's upgrades are refused before their certificate is looked up (see refuseWhileAdmissionFull).
    if (req.url === AGENT_WS_PATH) refuseWhileAdmissionFull(deps);
    const socket = req.raw.socket as TLSSocket;
    const peer = socket.getPeerX509Certificate();
    // The handshake already refused clients without a valid certificate of the CA; this refuses revoked ones.
    const fingerprint = peer ? certificateFingerprint(peer) : null;
    const now = deps.now();
    // During a reconnect storm a certificate seen valid lately passes the upgrade on memory; the hello's write checks
    // it again (credential-cache.ts). Renewals and bundles always ask the database.
    const remembered =
      fingerprint && req.url === AGENT_WS_PATH ? deps.agents.certificates.storm(fingerprint, now.getTime()) : null;
    const verify = remembered !== null && remembered.certificateNotAfter > now;
    const server = verify
      ? remembered
      : fingerprint
        ? await deps.agents.certificates.lookupBatched(deps.db, fingerprint, now.getTime())
        : null;
    if (!server || !fingerprint) {
      req.log.warn({ ip: req.ip, fingerprint }, "agent refused: certificate revoked, unknown, or its server deleted");
      throw new AppError("UNAUTHORIZED", "This agent certificate is revoked or unknown; enrol the agent again");
    }
    servers.set(req, { ...server, fingerprint, verify });
  });
  const serverOf = (req: FastifyRequest) => {
    const server = servers.get(req);
    if (!server) throw new AppError("UNAUTHORIZED", "No agent certificate");
    return server;
  };

  await registerAgentSocket(app, deps, async (req) => {
    const server = serverOf(req);
    return {
      server: { id: server.id, orgId: server.orgId, name: server.name },
      version: agentVersionHeader(req),
      credential: {
        kind: "certificate",
        fingerprint: server.fingerprint,
        notAfter: server.certificateNotAfter,
        ...(server.verify && { verify: true }),
      },
    };
  });
  let url = "";
  app.post(AGENT_ENDPOINT_PATHS.certificate, async (req) => {
    const server = serverOf(req);
    const body = parseInput(certificateRenewalBody, req.body, "body");
    const grant = await renewAgentCertificate(
      deps.db,
      { authority, endpointUrl: url, lifetimeMs: deps.config.agents.certificateLifetimeMs, now: deps.now() },
      server.id,
      body.csr,
    );
    req.log.info({ server_id: server.id, not_after: grant.not_after }, "agent certificate renewed");
    return agentCertificateGrant.parse(grant);
  });
  app.get<{ Params: { version: string } }>(AGENT_ENDPOINT_PATHS.bundle(":version"), async (req, reply) => {
    serverOf(req);
    // Read at each request: what updateCommand offers (tests swap the release, as a control-plane upgrade would).
    const release = endpoint.release;
    if (!release || req.params.version !== release.version) {
      throw new AppError("NOT_FOUND", `This control plane hands out agent ${release?.version ?? "(none)"} only`);
    }
    reply.header("content-length", release.size).type("application/javascript");
    return reply.send(createReadStream(release.file));
  });

  // Every TLS connection, upgraded ones included (the server's own bookkeeping forgets those at the upgrade), so
  // close can end what is left once the hub has said goodbye.
  const sockets = new Set<TLSSocket>();
  app.server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // Runs after the hub has closed the agents' sockets (ws-route.ts's preClose, registered before): an idle
  // keep-alive connection, or a WebSocket whose peer does not finish the close handshake, would otherwise keep the
  // listener (and shutdown) open for good. Each gets a short grace to close by itself, then is ended.
  app.addHook("preClose", async () => {
    app.server.closeIdleConnections();
    await allClosed(sockets, SHUTDOWN_GRACE_MS);
    for (const socket of sockets) socket.destroy();
  });
  const address = await listen(app, deps);
  const port = Number(new URL(address).port);
  url = deps.config.agents.endpoint.publicUrl ?? `wss://${new URL(deps.config.publicUrl).hostname}:${port}`;
  const renew = setInterval(() => app.server.setSecureContext(tls()), SERVER_CERT_MS / 2);
  renew.unref();
  const endpoint: AgentEndpoint = {
    url,
    port,
    authority,
    release,
    close: async () => {
      clearInterval(renew);
      await app.close();
    },
  };
  deps.agents.endpoint = endpoint;
  deps.logger.info({ url, release: release?.version }, "agent endpoint (mutual TLS) listening");
  return endpoint;
}

/** Resolves when every socket in `sockets` has closed, or after `ms`, whichever is first. */
async function allClosed(sockets: Set<TLSSocket>, ms: number): Promise<void> {
  if (sockets.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const closing = Promise.all([...sockets].map((s) => new Promise((resolve) => s.once("close", resolve))));
  await Promise.race([closing, grace]);
  clearTimeout(timer);
}

/**
 * Connections the kernel may hold for the control plane before it accepts them (the system's somaxconn caps it).
 * Node's default, 511, overflows when a fleet reconnects while the process is busy (or starting): the kernel then
 * drops the agents' SYNs and they resend them 1, 3, 7 s later, so their handshakes time out before the process ever
 * sees them (and could answer 503).
 */
export const AGENT_LISTEN_BACKLOG = 4096;

async function listen(app: FastifyInstance, deps: AppDeps): Promise<string> {
  const { host, port } = deps.config.agents.endpoint;
  return app.listen({ host, port, backlog: AGENT_LISTEN_BACKLOG });
}

/** A fresh key and certificate for the endpoint, issued by the agents' CA, with the CA as the trusted client root. */
function serverCredentials(authority: AgentAuthority, now: Date): { key: string; cert: string; ca: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const issued = issueCertificate({
    role: "server",
    commonName: "Syntra agent endpoint",
    dnsNames: [AGENT_ENDPOINT_TLS_NAME],
    publicKey,
    issuer: authority.caCertificate,
    signingKey: authority.caKey,
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + SERVER_CERT_MS),
  });
  // Checked here, so a CA that cannot sign fails at start rather than at every handshake.
  if (!new X509Certificate(issued.pem).checkIssued(authority.caCertificate))
    throw new Error("endpoint cert not issued");
  return {
    key: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    cert: issued.pem,
    ca: authority.caPem,
  };
}
