// Synthetic telemetry with a known shape for the AI engine's tests (anomaly detection, resource recommendations).
import { CONTAINER_METRICS } from "@syntra/contracts";
import type { MetricRow, SpanRow } from "../../telemetry/store/types";
import { metricRow, spanRow } from "../../testing/telemetry-rows";

const STEP = 300_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MIB = 1024 * 1024;

/**
 * Spans of a service, one pair per 5-minute step from midnight UTC `days` days before today until now: 49 good
 * requests and 1 failing one (2% errors, 20 ms), weighted so a step is two rows. From `spikeFrom` on, 30 of 50 fail.
 */
export function redHistory(
  owner: { org_id: string; service_id: string; deployment_id: string },
  days: number,
  now: number,
  spikeFrom = Number.POSITIVE_INFINITY,
): SpanRow[] {
  const rows: SpanRow[] = [];
  const start = Math.floor(now / DAY) * DAY - (days - 1) * DAY;
  for (let at = start; at + STEP <= now; at += STEP) {
    const failing = at >= spikeFrom ? 30 : 1;
    rows.push(spanRow(owner, new Date(at + 1000), 20, { sample_weight: 50 - failing }));
    rows.push(spanRow(owner, new Date(at + 2000), 20, { sample_weight: failing, status: { code: "error" } }));
  }
  return rows;
}

/**
 * Two containers' heartbeat metrics over `hours` of complete 5-minute steps up to now, one sample per step and
 * container: CPU 30% of a core (every 25th step 50%: 4% of the steps, so the p95 stays 30%), memory 200 MiB (every
 * 25th step 300 MiB). One extra sample in the middle makes the peaks: 60% CPU in container a, 400 MiB in container b.
 */
export function containerWeek(
  owner: { org_id: string; service_id: string; deployment_id: string },
  now: number,
  hours: number,
): MetricRow[] {
  const rows: MetricRow[] = [];
  const first = Math.floor(now / STEP) * STEP - hours * HOUR;
  const middle = first + Math.floor((now - first) / STEP / 2) * STEP;
  for (let at = first, i = 0; at + STEP <= now; at += STEP, i++) {
    for (const container of ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]) {
      const labels = { "container.id": container };
      const busy = i % 25 === 0;
      rows.push(metricRow(owner, new Date(at + 1000), CONTAINER_METRICS.cpu, busy ? 50 : 30, { labels }));
      rows.push(metricRow(owner, new Date(at + 1000), CONTAINER_METRICS.memory, (busy ? 300 : 200) * MIB, { labels }));
    }
  }
  const labels = (c: string) => ({ labels: { "container.id": c } });
  rows.push(metricRow(owner, new Date(middle + 2000), CONTAINER_METRICS.cpu, 60, labels("aaaaaaaaaaaa")));
  rows.push(metricRow(owner, new Date(middle + 2000), CONTAINER_METRICS.memory, 400 * MIB, labels("bbbbbbbbbbbb")));
  return rows;
}
