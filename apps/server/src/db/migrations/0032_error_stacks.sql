-- Error ingest at thousands of events per second (issue 11). Append-only: never edit a migration that has shipped.

-- An issue's events almost always repeat the same stack trace (the same code path fails the same way), and the
-- stack is most of an event's bytes (~60% of a 15-frame event with source context). Each distinct stack of an
-- issue is stored once here, keyed by the SHA-256 of its JSON; an event names it by `stack_hash` and keeps
-- `stack_trace` NULL. The event row then fits in one page without TOAST compression, and ingest sends, parses
-- and writes about half the bytes. Rows stored before this migration keep their inline `stack_trace`.
CREATE TABLE error_stacks (
    error_group_id UUID NOT NULL REFERENCES error_groups(id) ON DELETE CASCADE,
    hash VARCHAR(64) NOT NULL,
    stack_trace JSONB NOT NULL,
    PRIMARY KEY (error_group_id, hash)
);

ALTER TABLE error_events
    ADD COLUMN stack_hash VARCHAR(64),
    ALTER COLUMN stack_trace DROP NOT NULL;

-- Every index is paid on each inserted event (on PGlite, in the one thread that also serves the API). Nothing
-- reads events by time alone: the issue pages read (error_group_id, timestamp) through idx_error_events_group_time,
-- and the error-rate alert joins a service's issues to the same index.
DROP INDEX idx_error_events_timestamp;
