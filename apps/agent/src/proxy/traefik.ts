import { X509Certificate } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { servedOverPlainHttp } from "@syntra/contracts";
import type { Logger } from "pino";
import { writeFileAtomic } from "../atomic-file";
import { certificateFacts, checkCertificatePair, covers, customCertificateInfo } from "./certificate-info";
import { acmeStorageCertificates } from "./traefik-acme-storage";
import {
  buildServiceConfig,
  type CertificateFiles,
  certificateFilesFor,
  NAME_PREFIX,
  type ParsedServiceFile,
  parseServiceFile,
  renderServiceFile,
  servedCertificates,
  type TraefikSettings,
} from "./traefik-config";
import type { CertificateInfo, RouteCertificate, Router, ServiceRoute } from "./types";
import { validateRoute, validateServiceId } from "./validate-route";

export interface TraefikRouterOptions {
  /** The directory Traefik's file provider watches (`providers.file.directory`, `watch: true`). */
  configDir: string;
  /** Entrypoint names of Traefik's static configuration. Default "web" and "websecure". */
  httpEntryPoint?: string;
  httpsEntryPoint?: string;
  /** `certificatesResolvers.<name>` for ACME certificates. Default "syntra". */
  certResolver?: string;
  /** HTTPS with certificates and a redirect from HTTP. Default true. */
  tls?: boolean;
  /** Port of HTTPS as clients see it, for the redirect. Default 443. */
  httpsPort?: number;
  /** Traefik's ACME storage file (the resolver's `acme.storage`); read to report issued certificates. */
  acmeStorage?: string;
  logger?: Logger;
  now?: () => Date;
}

const FILE_PATTERN = /^syntra-svc-([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.yml$/;

/**
 * The `Router` over Traefik's file provider: one file `syntra-svc-<serviceId>.yml` per service in `configDir`,
 * replaced atomically (Traefik never reads half a file), and user certificates as PEM files (0600) under
 * `configDir/certs/<serviceId>/`. Traefik applies a changed file as a graceful reload: requests in flight finish,
 * and unlike a Caddy reload it keeps the clients' idle connections, so containers stay listed in the files.
 * The files are the only state, so an agent restart finds the routes as they were. Traefik must see the
 * directory at the same path (certificate paths in the files are absolute).
 */
export class TraefikRouter implements Router {
  private readonly settings: TraefikSettings;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TraefikRouterOptions) {
    this.settings = {
      httpEntryPoint: options.httpEntryPoint ?? "web",
      httpsEntryPoint: options.httpsEntryPoint ?? "websecure",
      certResolver: options.certResolver ?? "syntra",
      tls: options.tls ?? true,
      httpsPort: options.httpsPort ?? 443,
    };
  }

  /** Creates the directory (0700: it holds private keys). Traefik itself runs on its own. */
  async start(): Promise<void> {
    await mkdir(this.options.configDir, { recursive: true, mode: 0o700 });
  }

  async setRoute(route: ServiceRoute): Promise<void> {
    const valid = validateRoute(route);
    if (valid.domains.length === 0) return this.removeRoute(valid.serviceId);
    // A key that does not match its certificate would make Traefik serve its own default certificate.
    for (const certificate of valid.certificates ?? []) checkCertificatePair(certificate);
    const certDir = this.certDirOf(valid.serviceId);
    const filesOf = (certificate: RouteCertificate) => certificateFilesFor(certDir, certificate);
    // Built before anything is written: a route that does not validate leaves no file behind.
    const text = await renderServiceFile(valid.serviceId, buildServiceConfig(valid, this.settings, filesOf));
    const certificates = servedCertificates(valid, this.settings);
    return this.exclusive(async () => {
      await this.writeCertificates(certDir, certificates, filesOf);
      await writeFileAtomic(this.fileOf(valid.serviceId), text, 0o644);
      await this.pruneCertificates(certDir, certificates.map(filesOf));
    });
  }

  async removeRoute(serviceId: string): Promise<void> {
    validateServiceId(serviceId);
    return this.exclusive(async () => {
      await rm(this.fileOf(serviceId), { force: true });
      await rm(this.certDirOf(serviceId), { recursive: true, force: true });
    });
  }

  async routes(): Promise<ServiceRoute[]> {
    const routes: ServiceRoute[] = [];
    for (const file of await this.readAll()) {
      const pems = await this.readCertificates(file.certificateFiles);
      const served = file.customDomains.flatMap((domain) => {
        const pem = pems.find((p) => covers(p.cert, domain))?.pem;
        return pem ? [[domain, pem] as const] : [];
      });
      routes.push({ ...file.route, ...(served.length > 0 && { certificatePems: Object.fromEntries(served) }) });
    }
    return routes;
  }

  /**
   * Custom certificates from their PEM files; ACME domains from Traefik's acme.json when `acmeStorage` is set,
   * otherwise "pending" (Traefik obtains them on its own and tells nobody). Wildcard domains without a user
   * certificate are served over plain HTTP only, and reported as failed.
   */
  async certificates(): Promise<CertificateInfo[]> {
    if (!this.settings.tls) return [];
    const now = this.options.now?.() ?? new Date();
    const issued = await this.readAcmeStorage();
    const states: CertificateInfo[] = [];
    for (const file of await this.readAll()) {
      for (const domain of file.acmeDomains) {
        const cert = issued.get(domain);
        states.push(cert ? issuedCertificateInfo(domain, cert, now) : { domain, source: "acme", status: "pending" });
      }
      const pems = await this.readCertificates(file.certificateFiles);
      for (const domain of file.customDomains) {
        // Traefik picks the certificate by SNI among all it has; report the one that covers the domain.
        const pem = pems.find((p) => covers(p.cert, domain))?.pem ?? pems[0]?.pem ?? "";
        states.push(customCertificateInfo(domain, pem, now));
      }
      for (const domain of file.plainDomains.filter((d) => !servedOverPlainHttp(d))) {
        const why = domain.startsWith("*.") ? ": a wildcard domain needs an uploaded certificate" : "";
        const message = `${domain} is served over HTTP only${why}`;
        states.push({ domain, source: "acme", status: "failed", error: { code: "unknown", message } });
      }
    }
    return states;
  }

  /** Traefik reads the files on its own: nothing to hand over. */
  async detach(): Promise<void> {}

  async stop(): Promise<void> {}

  private fileOf(serviceId: string): string {
    return path.join(this.options.configDir, `${NAME_PREFIX}${serviceId}.yml`);
  }

  private certDirOf(serviceId: string): string {
    return path.join(this.options.configDir, "certs", serviceId);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Written before the file that names them, so Traefik never loads a configuration with a missing file. */
  private async writeCertificates(
    dir: string,
    certificates: RouteCertificate[],
    filesOf: (certificate: RouteCertificate) => CertificateFiles,
  ): Promise<void> {
    if (certificates.length === 0) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const certificate of certificates) {
      const { certFile, keyFile } = filesOf(certificate);
      await writeFileAtomic(certFile, certificate.certPem, 0o600);
      await writeFileAtomic(keyFile, certificate.keyPem, 0o600);
    }
  }

  /** Removes certificate files the service's configuration no longer names. */
  private async pruneCertificates(dir: string, keep: CertificateFiles[]): Promise<void> {
    const kept = new Set(keep.flatMap((f) => [path.basename(f.certFile), path.basename(f.keyFile)]));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const name of names) if (!kept.has(name)) await rm(path.join(dir, name), { force: true });
  }

  /** Every service file in the directory; files that are not ours are ignored, broken ones of ours logged. */
  private async readAll(): Promise<ParsedServiceFile[]> {
    let names: string[];
    try {
      names = await readdir(this.options.configDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const parsed: ParsedServiceFile[] = [];
    for (const name of names.sort()) {
      const serviceId = FILE_PATTERN.exec(name)?.[1];
      if (!serviceId) continue;
      const file = path.join(this.options.configDir, name);
      const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
        // Removed between readdir and here: the route is gone.
        if (err.code === "ENOENT") return null;
        throw err;
      });
      if (text === null) continue;
      const result = await parseServiceFile(serviceId, text);
      if (result) parsed.push(result);
      else this.options.logger?.warn({ file }, "ignoring a Traefik file of Syntra's that does not parse");
    }
    return parsed;
  }

  private async readCertificates(files: CertificateFiles[]): Promise<{ pem: string; cert: X509Certificate }[]> {
    const read: { pem: string; cert: X509Certificate }[] = [];
    for (const { certFile } of files) {
      const pem = await readFile(certFile, "utf8").catch(() => "");
      try {
        read.push({ pem, cert: new X509Certificate(pem) });
      } catch {
        // Missing or unreadable: reported per domain as "cannot be read" when nothing else covers it.
      }
    }
    return read;
  }

  private async readAcmeStorage(): Promise<Map<string, X509Certificate>> {
    if (!this.options.acmeStorage) return new Map();
    const json = await readFile(this.options.acmeStorage, "utf8").catch((err: NodeJS.ErrnoException) => {
      // Traefik writes it with its first certificate.
      if (err.code === "ENOENT") return "{}";
      throw err;
    });
    return acmeStorageCertificates(json, this.settings.certResolver);
  }
}

/** An ACME certificate Traefik holds: active until it expires (Traefik renews it 30 days before). */
function issuedCertificateInfo(domain: string, cert: X509Certificate, now: Date): CertificateInfo {
  const facts = certificateFacts(cert);
  if (now.getTime() <= Date.parse(facts.notAfter)) return { domain, source: "acme", status: "active", ...facts };
  const message = `The certificate expired on ${facts.notAfter} and Traefik has not renewed it`;
  return { domain, source: "acme", status: "failed", ...facts, error: { code: "unknown", message } };
}
