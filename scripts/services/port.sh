# Sourced by the service scripts.
# True when 127.0.0.1:$1 cannot be bound: a server listens there (another checkout's test server, say), or the port
# is the local end of a connection. A connect probe misses the second case, which a machine with many outgoing
# connections (a fleet benchmark's thousands of sockets, all in the ephemeral range) hits: the service then fails
# to start with "Address already in use".
port_busy() {
  ! node -e 'const s = require("node:net").createServer();
s.once("error", () => process.exit(1));
s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close());' "$1" 2>/dev/null
}
