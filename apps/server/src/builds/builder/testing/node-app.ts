/** The files `nodeAppFiles` makes, by path. */
export type NodeAppFiles = Record<"package.json" | "package-lock.json" | "build.js" | "server.js", string>;

/**
 * The files of a Node app that builds without the network: a lockfile with no dependencies (so `npm ci` has nothing
 * to download), a build script that writes `built.txt` with `built`, and `server` as its `server.js` (started by
 * `npm start`; it should listen on `$PORT`).
 */
export function nodeAppFiles(app: { name: string; built: string; server: string }): NodeAppFiles {
  const manifest = { name: app.name, version: "1.0.0" };
  return {
    "package.json": JSON.stringify({ ...manifest, scripts: { build: "node build.js", start: "node server.js" } }),
    "package-lock.json": JSON.stringify({
      ...manifest,
      lockfileVersion: 3,
      requires: true,
      packages: { "": manifest },
    }),
    "build.js": `require("fs").writeFileSync("built.txt", ${JSON.stringify(app.built)})`,
    "server.js": app.server,
  };
}
