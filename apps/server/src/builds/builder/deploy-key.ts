import { generateKeyPairSync, randomBytes } from "node:crypto";

/** An SSH key pair for a repository's deploy key: the public half goes to the git host, the private half stays. */
export interface DeployKeyPair {
  /** `ssh-ed25519 AAAA... <comment>`, as GitHub, GitLab and Gitea take it. */
  publicKey: string;
  /** OpenSSH private key file ("BEGIN OPENSSH PRIVATE KEY"), unencrypted: store it encrypted. */
  privateKeyPem: string;
}

/** A new ed25519 deploy key pair in OpenSSH formats. */
export function generateDeployKey(comment = "syntra-deploy-key"): DeployKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  // The raw keys are the last 32 bytes of their DER encodings (SPKI and PKCS#8).
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const publicBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  return {
    publicKey: `ssh-ed25519 ${publicBlob.toString("base64")} ${comment}`,
    privateKeyPem: openSshPrivateKey(publicBlob, pub, seed, comment),
  };
}

/** The openssh-key-v1 container (PROTOCOL.key in OpenSSH's sources), without a passphrase. */
function openSshPrivateKey(publicBlob: Buffer, pub: Buffer, seed: Buffer, comment: string): string {
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(publicBlob),
    sshString(secret),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
