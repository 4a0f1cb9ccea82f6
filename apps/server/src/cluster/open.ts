import type { Logger } from "pino";
import type { Config } from "../config";
import type { Database } from "../db/client";
import type { Keyring } from "../secrets/keyring";
import { type ClusterBus, LocalClusterBus } from "./bus";
import { PostgresClusterBus } from "./postgres-bus";

/**
 * The cluster bus for this store: PostgreSQL's LISTEN/NOTIFY when the store is a PostgreSQL server (other replicas
 * may share it) unless SYNTRA_CLUSTER=off, else the cluster of one (PGlite is one process's own database).
 */
export async function openClusterBus(
  config: Config,
  database: Database,
  keyring: Keyring,
  logger: Logger,
): Promise<ClusterBus> {
  if (database.kind !== "postgres" || !database.url || !config.cluster.enabled) return new LocalClusterBus();
  return PostgresClusterBus.join({ url: database.url, logger, keyring, presenceMs: config.cluster.presenceMs });
}
