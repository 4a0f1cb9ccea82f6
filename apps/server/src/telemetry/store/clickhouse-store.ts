import type { MetricCatalogEntry, MetricSeries, ServiceLogEntry, Span, TraceSummary } from "@syntra/contracts";
import { metricPerService, requestStats } from "./alert-queries";
import type { ClickHouseDriver } from "./driver";
import { InsertQueue } from "./insert-queue";
import { searchLogs } from "./log-queries";
import { logHistogram, traceLogs } from "./log-views";
import { metricSeries } from "./metric-queries";
import { metricAggregate, metricCatalog } from "./metric-views";
import { migrateTelemetry } from "./migrate";
import { serviceRed } from "./red-queries";
import { applyRetention, type RetentionDays } from "./retention";
import { getSpan, traceSpanPage } from "./trace-pages";
import { getTrace, searchTraces } from "./trace-queries";
import type {
  InsertOptions,
  LogCounts,
  LogHistogramSearch,
  LogPage,
  LogSearch,
  MetricAggregateQuery,
  MetricAggregateResult,
  MetricAggregateRow,
  MetricAggregateSearch,
  MetricQuery,
  RedOverview,
  RedQuery,
  RequestStats,
  RequestStatsQuery,
  ServiceScope,
  TableStats,
  TelemetryRows,
  TelemetryStore,
  TimeRange,
  TraceSearch,
  TraceSpanPage,
  TraceSpanPageQuery,
} from "./types";

/**
 * The telemetry store on a ClickHouse engine: the same tables, migrations and queries whether the driver is chDB in
 * this process or a ClickHouse server.
 */
export class ClickHouseTelemetryStore implements TelemetryStore {
  private readonly queue: InsertQueue;
  private closed = false;

  constructor(
    private readonly driver: ClickHouseDriver,
    private readonly retention: RetentionDays,
  ) {
    this.queue = new InsertQueue(driver);
  }

  get kind(): "chdb" | "clickhouse" {
    return this.driver.kind;
  }

  async migrate(): Promise<string[]> {
    const applied = await migrateTelemetry(this.driver);
    await applyRetention(this.driver, this.retention);
    await this.queue.detectDedupSetting();
    return applied;
  }

  insert(rows: TelemetryRows, opts: InsertOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the telemetry store is closed"));
    return this.queue.write(rows, opts.dedupToken);
  }

  searchTraces(scope: ServiceScope, search: TraceSearch): Promise<TraceSummary[]> {
    return searchTraces(this.driver, scope, search);
  }

  getTrace(orgId: string, traceId: string, limit?: number): Promise<Span[]> {
    return getTrace(this.driver, orgId, traceId, limit);
  }

  traceSpans(orgId: string, traceId: string, query: TraceSpanPageQuery): Promise<TraceSpanPage | null> {
    return traceSpanPage(this.driver, orgId, traceId, query);
  }

  getSpan(orgId: string, traceId: string, spanId: string): Promise<Span | null> {
    return getSpan(this.driver, orgId, traceId, spanId);
  }

  searchLogs(scope: ServiceScope, search: LogSearch): Promise<LogPage> {
    return searchLogs(this.driver, scope, search);
  }

  metricSeries(scope: ServiceScope, query: MetricQuery): Promise<MetricSeries[]> {
    return metricSeries(this.driver, scope, query);
  }

  serviceRed(scope: ServiceScope, query: RedQuery): Promise<RedOverview> {
    return serviceRed(this.driver, scope, query);
  }

  logHistogram(scope: ServiceScope, search: LogHistogramSearch): Promise<LogCounts> {
    return logHistogram(this.driver, scope, search);
  }

  traceLogs(orgId: string, traceId: string, limit: number): Promise<ServiceLogEntry[]> {
    return traceLogs(this.driver, orgId, traceId, limit);
  }

  metricCatalog(scope: ServiceScope, range: TimeRange): Promise<MetricCatalogEntry[]> {
    return metricCatalog(this.driver, scope, range);
  }

  metricAggregate(scope: ServiceScope, search: MetricAggregateSearch): Promise<MetricAggregateResult> {
    return metricAggregate(this.driver, scope, search);
  }

  requestStats(query: RequestStatsQuery): Promise<RequestStats[]> {
    return requestStats(this.driver, query);
  }

  metricPerService(query: MetricAggregateQuery): Promise<MetricAggregateRow[]> {
    return metricPerService(this.driver, query);
  }

  async stats(): Promise<TableStats[]> {
    const rows = await this.driver.query<{ table: string; rows: string; bytes: string }>(
      `SELECT table, toString(sum(rows)) AS rows, toString(sum(bytes_on_disk)) AS bytes
       FROM system.parts WHERE database = currentDatabase() AND active
       GROUP BY table ORDER BY table`,
    );
    return rows.map((r) => ({ table: r.table, rows: Number(r.rows), bytesOnDisk: Number(r.bytes) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.flushed();
    await this.driver.close();
  }
}
