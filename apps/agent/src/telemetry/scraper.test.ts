import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { type MetricPoint, metricPoint } from "@syntra/contracts";
import pino from "pino";
import { prometheusToPoints } from "./prometheus";
import { PrometheusScraper } from "./scraper";

const serviceId = "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9";
const EXPOSITION = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027
# TYPE temperature gauge
temperature -3.5
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
# TYPE weird gauge
weird NaN
`;

test("Prometheus text becomes contract metric points of each kind", () => {
  const points = prometheusToPoints(EXPOSITION, serviceId, new Date("2026-01-01T00:00:00Z"));
  for (const p of points) assert.ok(metricPoint.safeParse(p).success, JSON.stringify(p));
  const by = (name: string) => points.filter((p) => p.name === name);
  assert.deepEqual(
    by("http_requests_total").map((p) => [p.type, p.value, p.labels]),
    [["counter", 1027, { method: "post", code: "200" }]],
  );
  assert.equal(by("temperature")[0]?.value, -3.5);
  const histogram = by("http_request_duration_seconds")[0];
  assert.equal(histogram?.type, "histogram");
  assert.equal(histogram?.value, 53423);
  assert.deepEqual(histogram?.histogram_buckets, [
    { le: 0.05, count: 24054 },
    { le: 0.1, count: 33444 },
  ]);
  assert.deepEqual(
    by("rpc_duration_seconds").map((p) => [p.type, p.value, p.labels.quantile]),
    [["gauge", 4773, "0.5"]],
  );
  assert.equal(by("rpc_duration_seconds_count")[0]?.value, 2693);
  assert.equal(by("weird").length, 0, "NaN cannot travel in JSON: left out");
});

test("the scraper fetches each container of a due service at its interval and labels the instance", async (ctx) => {
  let requests = 0;
  const app = http.createServer((req, res) => {
    requests++;
    if (req.url !== "/custom-metrics") res.writeHead(404).end();
    else res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(EXPOSITION);
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  ctx.after(() => app.close());
  const port = (app.address() as AddressInfo).port;
  let now = new Date("2026-01-01T00:00:00Z");
  const received: MetricPoint[][] = [];
  const scraper = new PrometheusScraper({
    targets: async () => [
      {
        serviceId,
        deploymentId: "7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f",
        config: { path: "/custom-metrics", port, interval_seconds: 30 },
        servicePort: 1,
        containerIps: ["127.0.0.1"],
      },
    ],
    accept: async (points) => {
      received.push(points);
    },
    logger: pino({ level: "silent" }),
    now: () => now,
  });
  await scraper.tick();
  assert.equal(received.length, 1);
  assert.equal(received[0]?.[0]?.labels.instance, `127.0.0.1:${port}`);
  now = new Date(now.getTime() + 10_000);
  await scraper.tick();
  assert.equal(requests, 1, "not again before its interval");
  now = new Date(now.getTime() + 30_000);
  await scraper.tick();
  assert.equal(requests, 2);
});
