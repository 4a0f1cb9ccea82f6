import { X509Certificate } from "node:crypto";
import { z } from "zod";

/**
 * Traefik's ACME storage (`acme.json`): per resolver, the certificates it obtained, each a base64 PEM bundle.
 * Only the certificates are read: the file also holds their keys and the account key, which are never touched.
 * Built on first use: only an agent routing through Traefik reads the file.
 */
let acmeStorageSchemaBuilt: ReturnType<typeof buildAcmeStorageSchema> | undefined;
const acmeStorageSchema = () => (acmeStorageSchemaBuilt ??= buildAcmeStorageSchema());

const buildAcmeStorageSchema = () =>
  z.record(
    z.string(),
    z
      .object({
        Certificates: z
          .array(
            z.object({
              domain: z.object({ main: z.string(), sans: z.array(z.string()).nullish() }),
              certificate: z.string(),
            }),
          )
          .nullish(),
      })
      .nullish(),
  );

/** The certificates `resolver` holds in an acme.json, by the domains they were obtained for (lowercase). */
export function acmeStorageCertificates(json: string, resolver: string): Map<string, X509Certificate> {
  const found = new Map<string, X509Certificate>();
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return found;
  }
  const parsed = acmeStorageSchema().safeParse(data);
  if (!parsed.success) return found;
  for (const entry of parsed.data[resolver]?.Certificates ?? []) {
    let certificate: X509Certificate;
    try {
      // The leaf is the bundle's first certificate, which is what X509Certificate reads.
      certificate = new X509Certificate(Buffer.from(entry.certificate, "base64"));
    } catch {
      continue;
    }
    for (const domain of [entry.domain.main, ...(entry.domain.sans ?? [])])
      found.set(domain.toLowerCase(), certificate);
  }
  return found;
}
