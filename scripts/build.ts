// What `npm start` runs first: builds the dashboard and compiles the control plane, each only when its
// sources changed since its last build. `--force` builds both regardless (`npm run build`).
import { ensureServerBuild } from "./build-server";
import { ensureWebBuild } from "./build-web";

const force = process.argv.includes("--force");
try {
  const web = await ensureWebBuild({ force });
  const server = await ensureServerBuild({ force });
  if (!web && !server) console.log("builds are up to date (apps/web/dist, apps/server/dist)");
  else if (server) console.log("control plane compiled (apps/server/dist)");
} catch (err) {
  console.error("the build failed:", err);
  process.exit(1);
}
