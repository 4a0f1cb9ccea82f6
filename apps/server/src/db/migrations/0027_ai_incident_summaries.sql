-- The AI engine (issue 16): summaries of alert incidents. Append-only: never edit a migration that has shipped;
-- add a new numbered file instead.

-- The structured summary (what is happening, the likely cause, the evidence, who wrote it); ai_summary (0001)
-- keeps its one-paragraph text. ai_summary_at: when the summarizer took the incident (once), ai_summary_outcome
-- what came of it (summarized, budget_exceeded, failed:<code>).
ALTER TABLE alert_incidents ADD COLUMN ai_summary_details JSONB;
ALTER TABLE alert_incidents ADD COLUMN ai_summary_at TIMESTAMPTZ;
ALTER TABLE alert_incidents ADD COLUMN ai_summary_outcome VARCHAR(40);
CREATE INDEX idx_alert_incidents_ai_pending ON alert_incidents (fired_at) WHERE ai_summary_at IS NULL;
