import { BUNDLE_FILES, renderAgentLauncher } from "@syntra/contracts";
import { AGENT_NODE_ENV, AGENT_NODE_FLAGS } from "./agent-bundle";

/** The Node.js LTS line the installer installs where the server has no supported Node (22 or newer). */
export const INSTALLED_NODE_MAJOR = 24;
/** The oldest Node.js line still supported (in its LTS); older ones are replaced by INSTALLED_NODE_MAJOR. */
export const SUPPORTED_NODE_MAJOR = 22;

/**
 * The agent installer behind `curl -fsSL <url>/install/agent.sh | sudo SYNTRA_TOKEN=… SYNTRA_SERVER_ID=… sh`.
 * POSIX sh. Node.js: the server's own when it is a supported LTS line (22 or newer); otherwise Node.js 24 from
 * nodejs.org (`SYNTRA_NODE_DIST_URL` for a mirror), checked against its SHASUMS256.txt, in /opt/syntra/node for the
 * agent alone; an end-of-life Node 20 is used only when that download fails. Docker, Caddy and dnsmasq come from
 * the distribution when missing (Debian/Ubuntu). Then the agent bundle under /opt/syntra, its settings in
 * /etc/syntra/agent.env (mode 0600) and a systemd unit. SYNTRA_INSTALL_ROOT installs below another folder and
 * starts nothing (used by tests and image builds).
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
major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
sha256() { if has sha256sum; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi; }

# Node.js ${INSTALLED_NODE_MAJOR} from nodejs.org into /opt/syntra/node, for the agent alone (the system's node is left as it is).
NODE_LTS=${INSTALLED_NODE_MAJOR}
NODE_DIST="\${SYNTRA_NODE_DIST_URL:-https://nodejs.org/dist}/latest-v$NODE_LTS.x"
install_node() {
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) say "nodejs.org has no Node.js build for $(uname -m)"; return 1 ;;
  esac
  sums=$(curl -fsSL "$NODE_DIST/SHASUMS256.txt") || { say "could not reach $NODE_DIST"; return 1; }
  line=$(printf '%s\\n' "$sums" | grep " node-v$NODE_LTS\\.[0-9.]*-linux-$arch\\.tar\\.gz$" | head -n 1)
  [ -n "$line" ] || { say "no Node.js $NODE_LTS for linux-$arch in $NODE_DIST/SHASUMS256.txt"; return 1; }
  file=\${line##* }
  tmp=$(mktemp -d)
  if ! curl -fsSL "$NODE_DIST/$file" -o "$tmp/$file"; then say "could not download $NODE_DIST/$file"; rm -rf "$tmp"; return 1; fi
  if [ "$(sha256 "$tmp/$file")" != "\${line%% *}" ]; then
    say "$file does not match its SHA-256 in SHASUMS256.txt: not installed"; rm -rf "$tmp"; return 1
  fi
  rm -rf "$ROOT/opt/syntra/node" && mkdir -p "$ROOT/opt/syntra/node"
  tar -xzf "$tmp/$file" -C "$ROOT/opt/syntra/node" --strip-components=1
  rm -rf "$tmp"
  say "installed Node.js $("$ROOT/opt/syntra/node/bin/node" --version) in /opt/syntra/node for the agent"
}

mkdir -p "$ROOT/opt/syntra"
# NODE: the node the agent's unit runs; NODE_NOW: the same file as seen from here (below ROOT when it is set).
if has node && [ "$(major node)" -ge ${SUPPORTED_NODE_MAJOR} ]; then
  NODE=$(command -v node); NODE_NOW=$NODE
elif [ "$(major "$ROOT/opt/syntra/node/bin/node")" -ge ${SUPPORTED_NODE_MAJOR} ] || install_node; then
  NODE=/opt/syntra/node/bin/node; NODE_NOW=$ROOT$NODE
elif has node && [ "$(major node)" -ge 20 ]; then
  NODE=$(command -v node); NODE_NOW=$NODE
  say "using Node.js $(node --version), past its end of life: install Node.js ${SUPPORTED_NODE_MAJOR} or ${INSTALLED_NODE_MAJOR} (https://nodejs.org)"
else
  say "Node.js ${SUPPORTED_NODE_MAJOR} or newer is required and could not be installed; install it (https://nodejs.org) and run this again"
  exit 1
fi
has dockerd || [ -S /var/run/docker.sock ] || apt_install docker.io || say "Docker is not installed; install it before deploying"
has caddy || apt_install caddy || say "Caddy is not installed; the agent will start it once it is"
# dnsmasq-base is the program alone (no system DNS service): the agent runs its own on a loopback port to tell
# Caddy which containers serve each route, so deploys do not reload Caddy.
has dnsmasq || [ -x /usr/sbin/dnsmasq ] || apt_install dnsmasq-base ||
  say "dnsmasq is not installed; until it is, every deploy reloads Caddy, closing idle keep-alive connections"

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
# A reinstall starts over from the bundle just downloaded: no staged update is left to try.
rm -f "$ROOT/opt/syntra/${BUNDLE_FILES.next}" "$ROOT/opt/syntra/${BUNDLE_FILES.tried}"
# The launcher runs a staged self-update once, on trial, else the current bundle (see agent-layout.ts).
cat > "$ROOT/opt/syntra/${BUNDLE_FILES.launcher}.part" <<'LAUNCHER'
${renderAgentLauncher("@NODE@", AGENT_NODE_FLAGS, AGENT_NODE_ENV).trimEnd()}
LAUNCHER
sed "s|@NODE@|$NODE_NOW|" "$ROOT/opt/syntra/${BUNDLE_FILES.launcher}.part" > "$ROOT/opt/syntra/${BUNDLE_FILES.launcher}"
rm -f "$ROOT/opt/syntra/${BUNDLE_FILES.launcher}.part"
chmod 755 "$ROOT/opt/syntra/${BUNDLE_FILES.launcher}"

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
ExecStart=/opt/syntra/${BUNDLE_FILES.launcher}
Restart=always
RestartSec=2
# Caddy and dnsmasq, when the agent started them, keep serving sites while the agent restarts (and while it
# updates itself: it exits, and the launcher starts the new version).
KillMode=process

[Install]
WantedBy=multi-user.target
UNIT

if [ -z "$ROOT" ] && has systemctl && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now syntra-agent
  say "agent installed and started; it appears online in Syntra within seconds"
else
  say "agent installed; start it with: env \\$(cat $ROOT/etc/syntra/agent.env | xargs) $ROOT/opt/syntra/${BUNDLE_FILES.launcher}"
fi
`;
}
