-- Error ingest on the embedded store (issue 11). Append-only: never edit a migration that has shipped.

-- An event's breadcrumbs are only ever read whole (the event API, the AI context): nothing queries inside them.
-- As JSONB, PostgreSQL parses every event's breadcrumbs into its binary form on insert and prints them back on
-- read; with up to 100 breadcrumbs they are most of an event row's bytes. As TEXT they are stored and read as the
-- JSON the control plane wrote, which made the event INSERT ~25% cheaper on PGlite (bench:errors).
ALTER TABLE error_events ALTER COLUMN breadcrumbs TYPE text USING breadcrumbs::text;
