// `node --import @syntra/sdk/register app.js`: for apps written as ES modules. Their imports are evaluated before
// any line of the app runs, so an init() in the app comes too late for instrumentations that patch modules as they
// load (Express's route spans); this hook makes ES module imports patchable, then starts the SDK from the
// environment (SYNTRA_DSN, SYNTRA_RELEASE, ...), before the app's first import.
import { register } from "node:module";

register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
const { init } = await import("./index");
init();
