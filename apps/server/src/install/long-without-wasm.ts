import fs from "node:fs/promises";
import type { Plugin } from "esbuild";

/** The `long` package (protobufjs' 64-bit integers), as CommonJS (umd/index.js) or ESM (index.js). */
const LONG_MODULE = /[\\/]node_modules[\\/]long[\\/](?:umd[\\/])?index\.js$/;

/**
 * esbuild plugin for the agent's bundle: `long` uses its plain-JavaScript arithmetic, not the tiny WebAssembly
 * module it compiles when it loads. protobufjs loads `long` when the agent starts (its OTLP receivers are always
 * on), and that one module brought up V8's WebAssembly engine and compiler: ~0.7 MB of the idle agent's RSS
 * (node binary pages and the code space), for the multiply and divide that only parsing a 64-bit integer from a
 * string uses (OTLP/JSON timestamps). `long` falls back to JavaScript where WebAssembly is missing: a module-level
 * `WebAssembly` binding that is undefined makes it take that path.
 */
export const longWithoutWebAssembly: Plugin = {
  name: "long-without-webassembly",
  setup(build) {
    build.onLoad({ filter: LONG_MODULE }, async (args) => ({
      contents: `var WebAssembly;\n${await fs.readFile(args.path, "utf8")}`,
      loader: "js",
    }));
  },
};
