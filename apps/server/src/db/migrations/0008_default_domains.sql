-- Default domains: every service answers on a generated name with no DNS to set up (services/default-domain.ts
-- builds the whole name: <label>.localhost, <label>-<id>.<ip>.sslip.io or <label>.<SYNTRA_APPS_DOMAIN>).
-- The label is <service>-<project slug>, given once and kept through renames; unique in the installation.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
ALTER TABLE services ADD COLUMN default_domain_label VARCHAR(63);
ALTER TABLE services ADD COLUMN default_domain_enabled BOOLEAN NOT NULL DEFAULT TRUE;

-- Existing services get their label as a new one would: long ones shortened with a hash, repeats made unique
-- with the start of the service id.
WITH base AS (
    SELECT s.id,
           trim(both '-' from regexp_replace(lower(s.name || '-' || p.slug), '[^a-z0-9]+', '-', 'g')) AS b
    FROM services s JOIN projects p ON p.id = s.project_id
), sized AS (
    SELECT id,
           CASE WHEN length(b) <= 54 THEN b ELSE rtrim(left(b, 47), '-') || '-' || left(md5(b), 6) END AS label
    FROM base
), ranked AS (
    SELECT id, label, row_number() OVER (PARTITION BY label ORDER BY id) AS n FROM sized
)
UPDATE services s
SET default_domain_label = CASE WHEN r.n = 1 THEN r.label
    ELSE rtrim(left(r.label, 47), '-') || '-' || left(replace(s.id::text, '-', ''), 6) END
FROM ranked r
WHERE r.id = s.id;

CREATE UNIQUE INDEX idx_services_default_domain_label ON services(default_domain_label);

-- What the agent says of its edge proxy (the ports and scheme clients use) and whether it runs on the control
-- plane's own machine (then <label>.localhost reaches it from this machine's browser).
ALTER TABLE servers ADD COLUMN proxy_http_port INTEGER;
ALTER TABLE servers ADD COLUMN proxy_https_port INTEGER;
ALTER TABLE servers ADD COLUMN proxy_tls BOOLEAN;
ALTER TABLE servers ADD COLUMN same_host BOOLEAN NOT NULL DEFAULT FALSE;
