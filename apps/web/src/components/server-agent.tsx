import { compareVersions, type Server } from "@syntra/contracts";
import { type ReactNode, useEffect, useState } from "react";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { dateTime, expiry, timeAgo } from "../lib/format";
import { invalidate } from "../lib/query";
import { SecretBox } from "./copy";
import { ErrorNote } from "./states";
import { Button } from "./ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";
import { Dialog } from "./ui/dialog";

/** A SHA-256 fingerprint as people compare them: colon-separated byte pairs, upper case. */
function fingerprint(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <p className="text-xs text-zinc-500">{label}</p>
      <div className="break-words">{children}</div>
    </div>
  );
}

/**
 * The server page's Agent card: enrolment and the client certificate (fingerprint, expiry, last renewal), the
 * agent's version against the one this control plane hands out with an Update button, the last update's outcome,
 * and Revoke (behind a confirm) or a new install command once revoked. `queryKey` is refetched after each action.
 */
export function ServerAgentCard({ server, queryKey }: { server: Server; queryKey: string }) {
  const { can } = useAuth();
  const writable = can("servers:write");
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const [install, setInstall] = useState<string | null>(null);
  const { agent } = server;
  const cert = agent.certificate;
  const updating = agent.update?.state === "pending";
  const behind =
    server.agent_version !== null && compareVersions(server.agent_version, agent.latest_version) < 0 && !updating;
  // An update in flight settles when the agent says hello as the new version (or reports going back).
  useEffect(() => {
    if (!updating) return;
    const timer = setInterval(() => invalidate(queryKey), 2000);
    return () => clearInterval(timer);
  }, [updating, queryKey]);
  const revoke = () =>
    action.run(async () => {
      await api.servers.revokeAgent({ serverId: server.id });
      setConfirming(false);
    }, queryKey);
  return (
    <section aria-label="Agent">
      <Card>
        <CardHeader className="flex flex-row items-center justify-between gap-2">
          <CardTitle className="text-base">Agent</CardTitle>
          {writable && (
            <div className="flex gap-2">
              {behind && server.status === "online" && (
                <Button
                  size="sm"
                  disabled={action.pending}
                  onClick={() => action.run(() => api.servers.updateAgent({ serverId: server.id }), queryKey)}
                >
                  Update to {agent.latest_version}
                </Button>
              )}
              {agent.enrolled ? (
                <Button size="sm" variant="destructive" disabled={action.pending} onClick={() => setConfirming(true)}>
                  Revoke agent
                </Button>
              ) : (
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={action.pending}
                  onClick={() =>
                    action.run(async () => {
                      setInstall((await api.servers.agentInstallToken({ serverId: server.id })).install_command);
                    }, queryKey)
                  }
                >
                  New install command
                </Button>
              )}
            </div>
          )}
        </CardHeader>
        <CardContent className="flex flex-col gap-4 text-sm">
          {action.error != null && <ErrorNote error={action.error} />}
          <div className="grid gap-3 sm:grid-cols-3">
            <Fact label="Version">
              {server.agent_version ?? "—"}
              {behind && <p className="text-amber-700 dark:text-amber-400">Update available: {agent.latest_version}</p>}
            </Fact>
            <Fact label="Certificate expires">
              {cert ? (
                <span title={dateTime(cert.not_after)}>
                  {dateTime(cert.not_after)} ({expiry(cert.not_after)})
                </span>
              ) : (
                "—"
              )}
            </Fact>
            <Fact label="Last renewal">
              {cert
                ? cert.issued_by === "renewal"
                  ? `${timeAgo(cert.issued_at)} (renewed automatically)`
                  : `never: issued at enrolment ${timeAgo(cert.issued_at)}`
                : "—"}
            </Fact>
          </div>
          <Fact label="Client certificate (SHA-256)">
            {agent.enrolled && cert ? (
              <code className="font-mono text-xs">{fingerprint(cert.fingerprint_sha256)}</code>
            ) : (
              <span>
                Not enrolled: the agent has no valid certificate. Run a new install command on the server to enrol it.
              </span>
            )}
          </Fact>
          {agent.update && (
            <p className={agent.update.state === "failed" ? "text-red-700 dark:text-red-400" : "text-zinc-600"}>
              {agent.update.state === "pending"
                ? `Updating to ${agent.update.version}…`
                : `Last update to ${agent.update.version} ${agent.update.state} ${timeAgo(agent.update.at)}`}
              {agent.update.message ? `: ${agent.update.message}` : ""}
            </p>
          )}
          {install && <SecretBox value={install} label="Install command" />}
        </CardContent>
      </Card>
      <Dialog open={confirming} onClose={() => setConfirming(false)} title="Revoke this agent?">
        <p className="text-sm">
          Its connection is cut at once and its certificate is refused from then on. Apps on {server.name} keep running,
          but nothing can be deployed there until the agent is enrolled again with a new install command.
        </p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button variant="destructive" disabled={action.pending} onClick={revoke}>
            Revoke
          </Button>
        </div>
      </Dialog>
    </section>
  );
}
