-- Custom domains: each one belongs to exactly one service across the whole installation and is routed
-- (copied into services.domains) only once its DNS points at the service's server.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.

CREATE TABLE domains (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    -- Lowercase ASCII (punycode), no trailing dot, optionally "*." in front.
    domain VARCHAR(253) NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending_dns'
        CHECK (status IN ('pending_dns', 'verified', 'certificate_pending', 'active', 'failed')),
    -- Why the domain is not verified yet, for the user; NULL once verified.
    status_reason TEXT,
    verified_at TIMESTAMPTZ,
    last_checked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT domains_domain_unique UNIQUE (domain)
);
CREATE INDEX idx_domains_service ON domains(service_id);
CREATE INDEX idx_domains_status ON domains(status);

-- Domains routed before this table existed keep being routed: they become verified rows (the first service
-- that listed a name keeps it).
INSERT INTO domains (service_id, domain, status, verified_at)
SELECT DISTINCT ON (d.domain) s.id, d.domain, 'verified', NOW()
FROM services s CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(s.domains, '[]'::jsonb)) AS d(domain)
ORDER BY d.domain, s.created_at;
