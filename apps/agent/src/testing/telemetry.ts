import { TelemetryBuffer } from "../telemetry/buffer";
import { IngestKeyRing } from "../telemetry/ingest-keys";
import { TelemetryIntake } from "../telemetry/intake";
import { AdaptiveSampler } from "../telemetry/sampler";
import { TelemetryStats } from "../telemetry/stats";

/**
 * The agent's telemetry intake on a buffer in `dir`, as the pipeline builds it (no sampling, no control plane), for
 * tests of what feeds it.
 */
export async function openTestIntake(
  dir: string,
): Promise<{ intake: TelemetryIntake; keys: IngestKeyRing; stats: TelemetryStats; buffer: TelemetryBuffer }> {
  const stats = await TelemetryStats.open(dir);
  const buffer = await TelemetryBuffer.open(
    dir,
    { maxBatchBytes: 64 << 20, memoryMaxBytes: 8 << 20, diskMaxBytes: 256 << 20 },
    stats,
  );
  const keys = await IngestKeyRing.open(dir);
  const intake = new TelemetryIntake({
    keys,
    buffer,
    sampler: new AdaptiveSampler({ spanBudgetPerSecond: 0 }),
    stats,
    deploymentOf: () => undefined,
    onFull: () => undefined,
    maxInFlightBytes: 1 << 20,
  });
  return { intake, keys, stats, buffer };
}
