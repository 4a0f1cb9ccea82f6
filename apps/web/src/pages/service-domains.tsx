import { createDomainBody, type ServiceDomain, uploadCertificateBody } from "@syntra/contracts";
import { RefreshCw, ShieldCheck, Trash2, Undo2 } from "lucide-react";
import { useState } from "react";
import { Field, invalid } from "../components/field";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../components/ui/card";
import { Dialog } from "../components/ui/dialog";
import { Input, Textarea } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { useSubmit } from "../lib/form";
import { expiry } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";
import { cn } from "../lib/utils";
import { useService } from "./service";

const CERT_LABEL = {
  none: "no certificate yet",
  pending: "certificate pending",
  active: "certificate active",
  failed: "certificate failed",
} as const;

const isWildcard = (domain: string) => domain.startsWith("*.");
const DAY_MS = 86_400_000;

/** The TLS side of a domain: where its certificate comes from, its state, issuer and expiry, and what failed. */
function CertificateFacts({ d }: { d: ServiceDomain }) {
  const c = d.certificate;
  const left = c.not_after ? Date.parse(c.not_after) - Date.now() : null;
  return (
    <div className="mt-2 flex flex-col gap-1 text-sm">
      <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span data-testid="certificate">
          <StatusBadge status={c.status} label={CERT_LABEL[c.status]} />
        </span>
        <span className="text-zinc-600 dark:text-zinc-400" data-testid="certificate-source">
          {c.source === "custom" ? "Uploaded certificate" : "Automatic (ACME)"}
        </span>
        {c.issuer && (
          <span className="text-zinc-500" data-testid="certificate-issuer">
            · issued by {c.issuer}
          </span>
        )}
        {c.not_after && left !== null && (
          <span
            data-testid="certificate-expiry"
            title={new Date(c.not_after).toLocaleString()}
            className={cn(
              left <= 0 ? "text-red-600 dark:text-red-400" : left < 14 * DAY_MS ? "text-amber-700" : "text-zinc-500",
            )}
          >
            · {expiry(c.not_after)}
          </span>
        )}
      </p>
      {c.status === "failed" && c.error_code && (
        <p className="text-xs text-red-700 dark:text-red-400">Certificate error: {c.error_code}</p>
      )}
      {isWildcard(d.domain) && c.source === "acme" && (
        <p className="text-xs text-amber-700 dark:text-amber-400">
          A wildcard domain needs your own wildcard certificate: ACME's HTTP challenge cannot issue one. Until you
          upload it, {d.domain.slice(2)}'s subdomains are served over plain HTTP only.
        </p>
      )}
    </div>
  );
}

/** Reads a chosen file into a textarea's value. */
function PemInput({
  id,
  label,
  value,
  onChange,
  error,
}: {
  id: "certificate_pem" | "private_key_pem";
  label: string;
  value: string;
  onChange(v: string): void;
  error?: string | undefined;
}) {
  return (
    <Field id={id} label={label} error={error}>
      <Textarea
        rows={5}
        spellCheck={false}
        autoComplete="off"
        className="font-mono text-xs"
        placeholder={id === "certificate_pem" ? "-----BEGIN CERTIFICATE-----" : "-----BEGIN PRIVATE KEY-----"}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...invalid(id, error)}
      />
      <input
        type="file"
        accept=".pem,.crt,.cer,.key,text/plain"
        aria-label={`${label} file`}
        className="text-xs"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          if (file) onChange(await file.text());
        }}
      />
    </Field>
  );
}

/** Upload a PEM certificate and key for one domain; the server checks them and says what is wrong. */
function UploadDialog({ serviceId, domain, onClose }: { serviceId: string; domain: string | null; onClose(): void }) {
  const [cert, setCert] = useState("");
  const [key, setKey] = useState("");
  const form = useSubmit(uploadCertificateBody, async (body) => {
    if (!domain) return;
    await api.domains.uploadCertificate({ serviceId, domain, ...body });
    invalidate(`service:${serviceId}`);
    onClose();
  });
  return (
    <Dialog open={domain !== null} onClose={onClose} title={`Certificate for ${domain ?? ""}`} className="max-w-xl">
      <form
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit({ certificate_pem: cert, private_key_pem: key });
        }}
      >
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Served instead of an ACME certificate. The chain starts with the certificate for{" "}
          <span className="font-mono">{domain}</span>
          {domain && isWildcard(domain) && " (a wildcard certificate)"}; the key must be unencrypted. The key is stored
          encrypted and never shown again.
        </p>
        {form.formError != null && <ErrorNote error={form.formError} />}
        <PemInput
          id="certificate_pem"
          label="Certificate (PEM)"
          value={cert}
          onChange={setCert}
          error={form.errors.certificate_pem}
        />
        <PemInput
          id="private_key_pem"
          label="Private key (PEM)"
          value={key}
          onChange={setKey}
          error={form.errors.private_key_pem}
        />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={form.pending}>
            {form.pending ? "Checking…" : "Upload certificate"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** One domain: its DNS and certificate state, the records to create, and (for editors) its actions. */
function DomainRow({
  d,
  editable,
  act,
  onUpload,
}: {
  d: ServiceDomain;
  editable: boolean;
  act(fn: () => Promise<unknown>): void;
  onUpload(): void;
}) {
  return (
    <li className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800" data-domain={d.domain}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium break-all">{d.domain}</span>
        <StatusBadge status={d.status} />
        {editable && (
          <span className="ml-auto flex flex-wrap gap-1">
            <Button
              size="sm"
              variant="secondary"
              onClick={() => act(() => api.domains.verify({ serviceId: d.service_id, domain: d.domain }))}
            >
              <RefreshCw /> Check DNS
            </Button>
            {d.certificate.source === "custom" ? (
              <Button
                size="sm"
                variant="secondary"
                onClick={() => act(() => api.domains.removeCertificate({ serviceId: d.service_id, domain: d.domain }))}
              >
                <Undo2 /> Use ACME
              </Button>
            ) : (
              <Button size="sm" variant="secondary" onClick={onUpload}>
                <ShieldCheck /> Upload certificate
              </Button>
            )}
            <Button
              size="icon"
              variant="ghost"
              aria-label={`Remove ${d.domain}`}
              onClick={() => act(() => api.domains.remove({ serviceId: d.service_id, domain: d.domain }))}
            >
              <Trash2 />
            </Button>
          </span>
        )}
      </div>
      {d.status_reason && (
        <p
          className={cn(
            "mt-1 text-sm",
            d.status === "failed" ? "text-red-700 dark:text-red-400" : "text-amber-700 dark:text-amber-400",
          )}
          data-testid="status-reason"
        >
          {d.status_reason}
        </p>
      )}
      <CertificateFacts d={d} />
      {d.status === "pending_dns" && d.dns_records.length > 0 && (
        <div className="mt-2 overflow-x-auto">
          <p className="text-xs text-zinc-500">Create one of these records at your DNS provider:</p>
          <table className="mt-1 text-left font-mono text-xs">
            <tbody>
              {d.dns_records.map((r) => (
                <tr key={`${r.type}${r.value}`}>
                  <td className="pr-4">{r.type}</td>
                  <td className="pr-4">{r.name}</td>
                  <td>{r.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </li>
  );
}

/** The service's custom domains: DNS records to create, DNS state, certificate state, custom certificates. */
export function Domains() {
  const { service } = useService();
  const { can } = useAuth();
  const editable = can("services:write");
  const action = useAction();
  const [uploadFor, setUploadFor] = useState<string | null>(null);
  const query = useQuery(`service:${service.id}:domains`, () => api.domains.list({ serviceId: service.id }));
  const form = useSubmit(createDomainBody, async (body) => {
    await api.domains.add({ serviceId: service.id, ...body });
    invalidate(`service:${service.id}`);
  });
  const act = (fn: () => Promise<unknown>) => action.run(fn, `service:${service.id}`);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Domains</CardTitle>
        <CardDescription>
          Routed once their DNS points at the service's server; HTTPS follows with a certificate from ACME (Let's
          Encrypt), or one you upload.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {action.error != null && <ErrorNote error={action.error} />}
        <QueryView query={query}>
          {(domains) =>
            domains.length === 0 ? (
              <Empty title="No custom domain" />
            ) : (
              <ul className="flex flex-col gap-3">
                {domains.map((d) => (
                  <DomainRow key={d.id} d={d} editable={editable} act={act} onUpload={() => setUploadFor(d.domain)} />
                ))}
              </ul>
            )
          }
        </QueryView>
        {editable && (
          <form
            className="flex flex-col gap-3 sm:flex-row sm:items-end"
            noValidate
            onSubmit={form.submitAndReset((v) => ({ domain: v.domain }))}
          >
            <div className="flex-1">
              <Field
                id="domain"
                label="Add a domain"
                error={form.errors.domain}
                hint="A wildcard (*.example.com) serves every name under it: it needs a wildcard DNS record and your own wildcard certificate."
              >
                <Input placeholder="shop.example.com" {...invalid("domain", form.errors.domain)} />
              </Field>
            </div>
            <Button type="submit" disabled={form.pending}>
              Add domain
            </Button>
          </form>
        )}
        {form.formError != null && <ErrorNote error={form.formError} />}
        {/* Keyed by domain: a closed dialog's state (the key) is dropped, the next one starts empty. */}
        <UploadDialog
          key={uploadFor ?? ""}
          serviceId={service.id}
          domain={uploadFor}
          onClose={() => setUploadFor(null)}
        />
      </CardContent>
    </Card>
  );
}
