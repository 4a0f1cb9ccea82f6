-- Telemetry tables (interface contracts section 3.2), improved the way the ClickHouse exporters of SigNoz and of
-- ClickStack (the OpenTelemetry Collector's clickhouseexporter) lay out theirs. The same file runs on chDB and on a
-- ClickHouse server. Statements are separated by a line ending in ';'. Append-only: never edit a shipped migration.
--
-- Choices common to every table, and why:
-- * org_id leads every sorting key. Each query names the caller's organization, so it reads only that organization's
--   granules, and another organization's trace id finds nothing without a join to PostgreSQL.
-- * Daily partitions with ttl_only_drop_parts: retention (the TTL, set from the configuration after the migrations)
--   drops whole days of parts instead of rewriting parts row by row, which is what keeps TTL cheap at volume.
-- * CODEC(Delta, ZSTD(1)) on timestamps (they grow slowly within a part, so their deltas are tiny); ZSTD(1) on text,
--   ids and maps (several times smaller than the default LZ4 for this kind of data, at a small CPU cost).
-- * LowCardinality for names with few distinct values (operation names, map keys, metric names): a dictionary per
--   part instead of the string in every row.
-- * non_replicated_deduplication_window: an insert carrying insert_deduplication_token (an agent's batch_id) that was
--   seen among the last 10,000 inserts is dropped, so a batch re-sent after a lost acknowledgement is stored once.
--   The rollup tables fed by materialized views keep the window too, so they do not count a re-sent batch twice.

CREATE TABLE IF NOT EXISTS traces (
    org_id UUID,
    service_id UUID,
    deployment_id UUID CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    operation_name LowCardinality(String) CODEC(ZSTD(1)),
    span_kind Enum8('internal' = 0, 'server' = 1, 'client' = 2, 'producer' = 3, 'consumer' = 4),
    start_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ns UInt64 CODEC(ZSTD(1)),
    status_code Enum8('unset' = 0, 'ok' = 1, 'error' = 2),
    status_message String CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    -- JSON array of the span's events (name, timestamp_ns, attributes), as the seed schema has it.
    events String CODEC(ZSTD(1)),
    -- How many spans this kept span stands for (1 / the agent's sampling rate): counts and rates sum it.
    sample_weight Float64 DEFAULT 1 CODEC(ZSTD(1)),
    -- Common attributes as columns, for filters and the RED rollup. Both the old and the stable HTTP semantic
    -- conventions are read, as SDKs still send either.
    http_method LowCardinality(String) MATERIALIZED coalesce(nullIf(attributes['http.request.method'], ''), attributes['http.method']),
    http_status_code UInt16 MATERIALIZED toUInt16OrZero(coalesce(nullIf(attributes['http.response.status_code'], ''), attributes['http.status_code'])),
    http_route LowCardinality(String) MATERIALIZED attributes['http.route'],
    -- Trace by id reads granules whose bloom filter may hold the id (with the trace_spans lookup narrowing the days).
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    -- "Slower than N ms" skips granules of only fast spans.
    INDEX idx_duration duration_ns TYPE minmax GRANULARITY 1,
    -- Attribute filters (has a key, key = value) skip granules without them, as both exporters index them.
    INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(start_time)
-- Per service in time order: the traces list of a service reads a contiguous range, and "newest first" reads it
-- backwards and stops at the limit (read in order). A coarser time column before start_time (as clickhouseexporter
-- has) would defeat that: checked with EXPLAIN PIPELINE, it sorts every row of the range instead.
ORDER BY (org_id, service_id, start_time)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Trace by id: where (which days) a trace's spans are, so the lookup of a trace reads one or two daily partitions
-- instead of probing every day's bloom filters. clickhouseexporter keeps the same kind of table
-- (otel_traces_trace_id_ts). Rows of one trace may appear several times (one per insert): readers take min/max.
CREATE TABLE IF NOT EXISTS trace_spans (
    org_id UUID,
    trace_id String CODEC(ZSTD(1)),
    first_start DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    last_end DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1))
) ENGINE = MergeTree
PARTITION BY toDate(first_start)
ORDER BY (trace_id, org_id)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_spans_mv TO trace_spans AS
SELECT org_id, trace_id, min(start_time) AS first_start, max(start_time + toIntervalNanosecond(duration_ns)) AS last_end
FROM traces
GROUP BY org_id, trace_id;

CREATE TABLE IF NOT EXISTS logs (
    org_id UUID,
    service_id UUID,
    deployment_id UUID CODEC(ZSTD(1)),
    timestamp DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    level Enum8('trace' = 0, 'debug' = 1, 'info' = 2, 'warn' = 3, 'error' = 4, 'fatal' = 5),
    message String CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    -- '' when no span was active (not Nullable: a Nullable column costs a null map per row).
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    source Enum8('stdout' = 0, 'stderr' = 1, 'sdk' = 2),
    -- Case-insensitive substring search ("search" of the logs API) runs lowerUTF8(message) LIKE '%term%': an n-gram bloom
    -- filter over the lowered message lets it skip granules that cannot contain the term's trigrams. (A token bloom
    -- filter, clickhouseexporter's choice, only helps whole-word matches.)
    INDEX idx_message lowerUTF8(message) TYPE ngrambf_v1(3, 32768, 2, 0) GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(timestamp)
-- Per service in time order: a service's logs of a time range are one contiguous read, newest first, read backwards
-- and stopped at the page size (read in order; see the traces table for why the key has no coarser time first).
ORDER BY (org_id, service_id, timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Raw metric samples. Histograms keep their cumulative buckets as two arrays (upper bounds, counts).
CREATE TABLE IF NOT EXISTS metrics_raw (
    org_id UUID,
    service_id UUID,
    -- The zero UUID when the sample names no deployment.
    deployment_id UUID CODEC(ZSTD(1)),
    metric_name LowCardinality(String) CODEC(ZSTD(1)),
    metric_type Enum8('gauge' = 0, 'counter' = 1, 'histogram' = 2),
    timestamp DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    value Float64 CODEC(ZSTD(1)),
    labels Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    -- One series is one name with one label set; its hash keeps the series' samples together in the sorting key
    -- (a Map cannot be part of one).
    series_hash UInt64 MATERIALIZED cityHash64(metric_name, labels),
    bucket_bounds Array(Float64) CODEC(ZSTD(1)),
    bucket_counts Array(UInt64) CODEC(ZSTD(1))
) ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (org_id, service_id, metric_name, series_hash, timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Rollups of 1 minute, 5 minutes and 1 hour, filled by materialized views as samples arrive (the metrics API reads
-- these, never the raw table, so a week of 1h points costs 168 rows per series). AggregatingMergeTree merges the
-- partial aggregates of each insert; readers finish them with min/max/sum/argMaxMerge. `last` (the latest value) is
-- what a cumulative counter needs: its increase over an interval is the difference of consecutive lasts.
CREATE TABLE IF NOT EXISTS metrics_1m (
    org_id UUID,
    service_id UUID,
    metric_name LowCardinality(String) CODEC(ZSTD(1)),
    metric_type Enum8('gauge' = 0, 'counter' = 1, 'histogram' = 2),
    series_hash UInt64,
    timestamp DateTime('UTC') CODEC(Delta, ZSTD(1)),
    -- Map(String, String): any() returns its keys without LowCardinality.
    labels SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(1)),
    min_value SimpleAggregateFunction(min, Float64),
    max_value SimpleAggregateFunction(max, Float64),
    sum_value SimpleAggregateFunction(sum, Float64),
    count SimpleAggregateFunction(sum, UInt64),
    last_value AggregateFunction(argMax, Float64, DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
PARTITION BY toDate(timestamp)
ORDER BY (org_id, service_id, metric_name, series_hash, metric_type, timestamp)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1m_mv TO metrics_1m AS
SELECT org_id, service_id, metric_name, metric_type, series_hash, toStartOfMinute(timestamp) AS timestamp,
    any(labels) AS labels, min(value) AS min_value, max(value) AS max_value, sum(value) AS sum_value,
    count() AS count, argMaxState(value, metrics_raw.timestamp) AS last_value
FROM metrics_raw
GROUP BY org_id, service_id, metric_name, metric_type, series_hash, timestamp;

CREATE TABLE IF NOT EXISTS metrics_5m AS metrics_1m
ENGINE = AggregatingMergeTree
PARTITION BY toDate(timestamp)
ORDER BY (org_id, service_id, metric_name, series_hash, metric_type, timestamp)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_5m_mv TO metrics_5m AS
SELECT org_id, service_id, metric_name, metric_type, series_hash, toStartOfFiveMinutes(timestamp) AS timestamp,
    any(labels) AS labels, min(value) AS min_value, max(value) AS max_value, sum(value) AS sum_value,
    count() AS count, argMaxState(value, metrics_raw.timestamp) AS last_value
FROM metrics_raw
GROUP BY org_id, service_id, metric_name, metric_type, series_hash, timestamp;

-- Hourly points are kept by month: at one row per series per hour a day's partition would be tiny.
CREATE TABLE IF NOT EXISTS metrics_1h AS metrics_1m
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (org_id, service_id, metric_name, series_hash, metric_type, timestamp)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1h_mv TO metrics_1h AS
SELECT org_id, service_id, metric_name, metric_type, series_hash, toStartOfHour(timestamp) AS timestamp,
    any(labels) AS labels, min(value) AS min_value, max(value) AS max_value, sum(value) AS sum_value,
    count() AS count, argMaxState(value, metrics_raw.timestamp) AS last_value
FROM metrics_raw
GROUP BY org_id, service_id, metric_name, metric_type, series_hash, timestamp;

-- Request rate, errors and duration per service and operation per minute (RED), from the spans as they arrive, for
-- service overviews and alerts: weighted by sample_weight, so sampled traffic is counted as what it stands for.
CREATE TABLE IF NOT EXISTS span_red_1m (
    org_id UUID,
    service_id UUID,
    operation_name LowCardinality(String) CODEC(ZSTD(1)),
    timestamp DateTime('UTC') CODEC(Delta, ZSTD(1)),
    calls SimpleAggregateFunction(sum, Float64),
    errors SimpleAggregateFunction(sum, Float64),
    duration_ns_quantiles AggregateFunction(quantilesTDigestWeighted(0.5, 0.9, 0.99), UInt64, UInt32)
) ENGINE = AggregatingMergeTree
PARTITION BY toDate(timestamp)
ORDER BY (org_id, service_id, operation_name, timestamp)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS span_red_1m_mv TO span_red_1m AS
SELECT org_id, service_id, operation_name, toStartOfMinute(start_time) AS timestamp,
    sum(sample_weight) AS calls, sumIf(sample_weight, status_code = 'error') AS errors,
    quantilesTDigestWeightedState(0.5, 0.9, 0.99)(duration_ns, toUInt32(round(sample_weight))) AS duration_ns_quantiles
FROM traces
-- Only entry points (server and consumer spans) and roots: a request counts once, not once per internal span.
WHERE span_kind IN ('server', 'consumer') OR parent_span_id = ''
GROUP BY org_id, service_id, operation_name, timestamp;
