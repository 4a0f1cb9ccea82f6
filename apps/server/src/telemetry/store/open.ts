import path from "node:path";
import { openChdbDriver } from "./chdb-driver";
import { openClickHouseDriver } from "./clickhouse-driver";
import { ClickHouseTelemetryStore } from "./clickhouse-store";
import type { RetentionDays } from "./retention";
import type { TelemetryStore } from "./types";

/** Where telemetry goes: a ClickHouse server when a URL is given, else chDB under the data dir. */
export interface TelemetryStoreSettings {
  clickhouseUrl: string | undefined;
  dataDir: string;
  retentionDays: RetentionDays;
}

/** Opens the telemetry store and applies its migrations and retention. */
export async function openTelemetryStore(settings: TelemetryStoreSettings): Promise<TelemetryStore> {
  const driver = settings.clickhouseUrl
    ? openClickHouseDriver(settings.clickhouseUrl)
    : await openChdbDriver(path.join(settings.dataDir, "chdb"));
  const store = new ClickHouseTelemetryStore(driver, settings.retentionDays);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
