import path from "node:path";
import type { Plugin } from "esbuild";

/** zod's index of its message translations, which `z.locales` exposes: one module per language, ~64 of them. */
const LOCALES_INDEX = /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;

/**
 * esbuild plugin for the agent's bundle: zod's `locales` namespace holds only English, the language zod sets up by
 * itself and the only one the agent's messages use. The other translations were ~260 KB of the bundle's 1.66 MB,
 * whose source V8 keeps in the agent's heap for as long as it runs; nothing in the agent calls `z.locales.<lang>()`.
 */
export const onlyEnglishZodMessages: Plugin = {
  name: "only-english-zod-messages",
  setup(build) {
    build.onLoad({ filter: LOCALES_INDEX }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: "js",
      resolveDir: path.dirname(args.path),
    }));
  },
};
