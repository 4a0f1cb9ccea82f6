/** Settings of the embedded PGlite database: its PostgreSQL's page cache (shared_buffers, e.g. "16MB"). */
export interface PgliteSettings {
  sharedBuffers: string;
}

/**
 * The embedded database's defaults (SYNTRA_PGLITE_SHARED_BUFFERS). PostgreSQL's own default page cache is
 * 128 MB; PGlite reads its files through Node's fs, so they stay in the kernel's page cache anyway and a small
 * one costs ~110 MB less memory for little speed (docs/performance.md, `npm run bench:pglite`).
 */
export const PGLITE_DEFAULTS: PgliteSettings = { sharedBuffers: "16MB" };
