// An app that ends in one of several ways, run by process.test.ts: `process-app.ts <dsn> <scenario>`.
import { Syntra } from "../../src/node/index";
import { chargeCard, loadInventory } from "../fixtures/checkout";

const [dsn, scenario] = process.argv.slice(2);
Syntra.init({
  dsn,
  release: "worker@3.1.0",
  shutdownTimeout: Number(process.env.SHUTDOWN_TIMEOUT ?? 2000),
  tracing: false,
  logs: false,
});
Syntra.setTag("scenario", String(scenario));
console.warn("starting %s", scenario);

switch (scenario) {
  case "uncaught":
    setTimeout(() => chargeCard({ id: 7, total: 900 }), 1);
    break;
  case "rejection":
    void loadInventory("sku-404");
    // Keeps running: with --unhandled-rejections=warn the process goes on until this timer.
    setTimeout(() => console.log("still running"), 300);
    break;
  case "natural-exit":
    Syntra.captureMessage("nightly job finished with 3 skipped rows", "warning");
    break;
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
