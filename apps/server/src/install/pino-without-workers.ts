import type { Plugin } from "esbuild";

/** pino's files that load worker_threads for its transports (thread-stream) and to ask whether it runs in one. */
const PINO = /[\\/]node_modules[\\/]pino[\\/]/;

const NO_TRANSPORTS = `function fail() { throw new Error("Syntra's agent bundle leaves out pino's transports: it logs to stdout"); }
module.exports = fail;`;

/**
 * esbuild plugin for the agent's bundle: pino without its worker-thread transports. The agent logs to stdout
 * (pino's default destination), yet pino loads thread-stream, and with it Node's worker_threads (the worker,
 * its message ports and error serialisation: builtin modules whose code Node maps in from its binary), when it
 * loads. `thread-stream` becomes a stand-in that throws if a transport is ever asked for, and pino's one other use
 * of worker_threads, `isMainThread`, is true: the agent never runs in a worker thread.
 */
export const pinoWithoutWorkers: Plugin = {
  name: "pino-without-workers",
  setup(build) {
    build.onResolve({ filter: /^(thread-stream|worker_threads|node:worker_threads)$/ }, (args) =>
      PINO.test(args.importer) ? { path: args.path, namespace: "pino-without-workers" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "pino-without-workers" }, (args) => ({
      contents: args.path === "thread-stream" ? NO_TRANSPORTS : "module.exports = { isMainThread: true };",
      loader: "js",
    }));
  },
};
