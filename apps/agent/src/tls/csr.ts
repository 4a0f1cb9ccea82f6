import { type KeyObject, sign } from "node:crypto";
import { CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
} from "@peculiar/asn1-x509";

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME = "2.5.4.3";

/**
 * A PKCS#10 certificate signing request (PEM) for the agent's key pair, signed by its private key: the proof of
 * possession the control plane checks. The control plane decides the certificate's names; the subject here is
 * only informative (the agent id).
 */
export function buildCertificateRequest(privateKey: KeyObject, publicKey: KeyObject, commonName: string): string {
  const info = new CertificationRequestInfo({
    subject: new Name([
      new RelativeDistinguishedName([
        new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: commonName }) }),
      ]),
    ]),
    subjectPKInfo: AsnConvert.parse(publicKey.export({ format: "der", type: "spki" }), SubjectPublicKeyInfo),
  });
  const signature = sign("sha256", Buffer.from(AsnConvert.serialize(info)), privateKey);
  const der = AsnConvert.serialize(
    new CertificationRequest({
      certificationRequestInfo: info,
      signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
      signature: Uint8Array.from(signature).buffer,
    }),
  );
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return ["-----BEGIN CERTIFICATE REQUEST-----", ...lines, "-----END CERTIFICATE REQUEST-----", ""].join("\n");
}
