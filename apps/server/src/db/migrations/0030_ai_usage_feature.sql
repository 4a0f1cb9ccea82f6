-- The AI engine (issue 16): usage per feature. Append-only: never edit a migration that has shipped; add a new
-- numbered file instead.

-- Which feature spent the tokens (error_analysis, incident_summary, ...), so the usage view can say what the budget
-- went to. Rows written before this migration cannot be told apart: they count as 'other'.
ALTER TABLE ai_usage ADD COLUMN feature VARCHAR(40) NOT NULL DEFAULT 'other';
ALTER TABLE ai_usage DROP CONSTRAINT ai_usage_pkey;
ALTER TABLE ai_usage ADD PRIMARY KEY (org_id, day, feature, provider, model);
