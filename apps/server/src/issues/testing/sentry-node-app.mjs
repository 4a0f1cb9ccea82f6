// An app using the official @sentry/node SDK, run by sentry-sdk.test.ts as a child process: `node
// sentry-node-app.mjs <dsn>`. It reports the same handled error three times, a message, breadcrumbs, a
// transaction with a child span and a log record, then dies of an unhandled exception that the SDK reports.
import * as Sentry from "@sentry/node";

const dsn = process.argv[2];
Sentry.init({
  dsn,
  release: "shop@1.4.2",
  environment: "staging",
  tracesSampleRate: 1,
  enableLogs: true,
  // No background sessions or client reports: the test counts what the app itself reported.
  autoSessionTracking: false,
  sendClientReports: false,
});
Sentry.setUser({ id: "user-42", email: "ana@example.com" });
Sentry.setTag("region", "eu-west");
Sentry.addBreadcrumb({ category: "cart", message: "cart loaded with 3 items", level: "info" });

function chargeCard(order) {
  throw new TypeError(`card declined for order ${order}`);
}

for (const order of [17, 18, 19]) {
  try {
    chargeCard(order);
  } catch (err) {
    Sentry.captureException(err);
  }
}
Sentry.captureMessage("Payment provider slow for order 17", "warning");
Sentry.startSpan({ name: "GET /checkout", op: "http.server" }, () => {
  Sentry.startSpan({ name: "SELECT orders", op: "db.query" }, () => {});
  Sentry.logger.info("checkout rendered", { order: 17 });
});
await Sentry.flush(10_000);

function explode() {
  throw new RangeError("unhandled boom in worker");
}
setTimeout(explode, 0);
