declare const __SYN_VERSION__: string | undefined;

/** The CLI's version: set by the bundle's build from package.json; `dev` when run from source. */
export const VERSION: string = typeof __SYN_VERSION__ === "string" ? __SYN_VERSION__ : "0.0.0-dev";
