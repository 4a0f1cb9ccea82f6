/**
 * The agent installer behind `curl -fsSL <url>/install/agent.sh | sudo SYNTRA_TOKEN=… SYNTRA_SERVER_ID=… sh`.
 * POSIX sh; installs Node.js, Docker and Caddy from the distribution when missing (Debian/Ubuntu), the agent
 * bundle under /opt/syntra, its settings in /etc/syntra/agent.env (mode 0600) and a systemd unit.
 * SYNTRA_INSTALL_ROOT installs below another folder and starts nothing (used by tests and image builds).
 */
export function renderInstallScript(publicUrl: string): string {
  return `#!/bin/sh
# Syntra agent installer. Source: ${publicUrl}/install/agent.sh
set -eu

SYNTRA_URL="\${SYNTRA_URL:-${publicUrl}}"
: "\${SYNTRA_TOKEN:?set SYNTRA_TOKEN to the agent token shown when the server was added}"
: "\${SYNTRA_SERVER_ID:?set SYNTRA_SERVER_ID to the server id shown when the server was added}"
ROOT="\${SYNTRA_INSTALL_ROOT:-}"

say() { printf 'syntra: %s\\n' "$*"; }
as_root() { [ "$(id -u)" = 0 ]; }
has() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  if [ -n "$ROOT" ] || ! as_root || ! has apt-get; then return 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}
node_ok() { has node && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; }

node_ok || apt_install nodejs || true
node_ok || { say "Node.js 20 or newer is required; install it (https://nodejs.org) and run this again"; exit 1; }
has dockerd || [ -S /var/run/docker.sock ] || apt_install docker.io || say "Docker is not installed; install it before deploying"
has caddy || apt_install caddy || say "Caddy is not installed; the agent will start it once it is"

# Caddy rebinds its listener on every route change; with this the kernel hands queued connections to the new
# socket instead of resetting them (Linux >= 5.14), so deploys drop no requests.
if [ -z "$ROOT" ] && as_root && [ -w /proc/sys/net/ipv4/tcp_migrate_req ]; then
  echo "net.ipv4.tcp_migrate_req = 1" > /etc/sysctl.d/60-syntra.conf
  echo 1 > /proc/sys/net/ipv4/tcp_migrate_req
fi

umask 077
mkdir -p "$ROOT/opt/syntra" "$ROOT/etc/syntra" "$ROOT/var/lib/syntra-agent" "$ROOT/etc/systemd/system"
curl -fsSL "$SYNTRA_URL/install/syntra-agent.cjs" -o "$ROOT/opt/syntra/syntra-agent.cjs.part"
mv "$ROOT/opt/syntra/syntra-agent.cjs.part" "$ROOT/opt/syntra/syntra-agent.cjs"
chmod 755 "$ROOT/opt/syntra/syntra-agent.cjs"

cat > "$ROOT/etc/syntra/agent.env" <<ENV
SYNTRA_URL=$SYNTRA_URL
SYNTRA_TOKEN=$SYNTRA_TOKEN
SYNTRA_SERVER_ID=$SYNTRA_SERVER_ID
SYNTRA_AGENT_STATE_DIR=/var/lib/syntra-agent
ENV
chmod 600 "$ROOT/etc/syntra/agent.env"

cat > "$ROOT/etc/systemd/system/syntra-agent.service" <<UNIT
[Unit]
Description=Syntra agent
After=network-online.target docker.service
Wants=network-online.target

[Service]
EnvironmentFile=/etc/syntra/agent.env
ExecStart=/usr/bin/env node /opt/syntra/syntra-agent.cjs
Restart=always
RestartSec=2
# Caddy and the upstream DNS daemon, when the agent started them, keep serving sites while the agent restarts.
KillMode=process

[Install]
WantedBy=multi-user.target
UNIT

if [ -z "$ROOT" ] && has systemctl && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now syntra-agent
  say "agent installed and started; it appears online in Syntra within seconds"
else
  say "agent installed; start it with: env \\$(cat $ROOT/etc/syntra/agent.env | xargs) node $ROOT/opt/syntra/syntra-agent.cjs"
fi
`;
}
