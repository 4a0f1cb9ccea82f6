import type { Plugin } from "esbuild";

/**
 * Modules the Docker client loads on start-up for transports Syntra never uses: ssh2 (Docker over SSH; it
 * also compiles a WebAssembly module as it loads) and gRPC with its proto loader (BuildKit sessions, which
 * only `version: "2"` image builds open). Syntra talks to Docker over its unix socket and builds with the
 * classic builder, so the bundles carry a stand-in that fails if ever called: ~20 MB less memory in each process.
 * Only the Docker client's imports are replaced (the agent's OTLP/gRPC receiver is its own, telemetry/grpc/).
 */
const UNUSED = ["ssh2", "@grpc/grpc-js", "@grpc/proto-loader"];

const STAND_IN = `function fail() { throw new Error("Syntra's bundle leaves out this module: Docker is reached over its unix socket"); }
module.exports = new Proxy({}, { get: (_, key) => (key === "__esModule" ? false : fail) });`;

/** Files of the Docker client (dockerode, docker-modem), whose imports of the modules above are left out. */
const DOCKER_CLIENT = /[\\/]node_modules[\\/](dockerode|docker-modem)[\\/]/;

/** esbuild plugin: the modules above, imported by the Docker client, resolve to a stand-in that throws when used. */
export const leaveOutUnusedTransports: Plugin = {
  name: "leave-out-unused-transports",
  setup(build) {
    const filter = new RegExp(`^(${UNUSED.map((m) => m.replace(/[/.]/g, "\\$&")).join("|")})$`);
    build.onResolve({ filter }, (args) =>
      DOCKER_CLIENT.test(args.importer) ? { path: args.path, namespace: "unused-transport" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "unused-transport" }, () => ({ contents: STAND_IN, loader: "js" }));
  },
};
