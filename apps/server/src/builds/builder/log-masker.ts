const MASK = "***";
/** Shorter values would mask ordinary words all over the log; nothing that short is a real secret. */
const MIN_SECRET_LENGTH = 4;
/** A line longer than this is let out in pieces rather than held in memory. */
const MAX_PENDING = 64 * 1024;

/**
 * Masks secret values in a stream of text and hands it on as whole lines. Chunks may split a line (and a secret)
 * anywhere: text is held until its line is complete. Besides the values themselves it masks their base64 (also
 * embedded in a longer base64 string, e.g. an HTTP Basic credential), base64url and URL-encoded forms; a
 * multi-line value (a PEM key) is masked line by line.
 */
export class LogMasker {
  private readonly pattern: RegExp | null;
  private readonly longest: number;
  private pending = "";

  constructor(
    secrets: readonly string[],
    private readonly emit: (line: string) => void,
  ) {
    const forms = new Set<string>();
    for (const secret of secrets) for (const form of secretForms(secret)) forms.add(form);
    const sorted = [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
    this.longest = sorted[0]?.length ?? 0;
    this.pattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join("|"), "g") : null;
  }

  /** Masks one piece of text (no buffering): for messages built outside the stream. */
  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }

  /** Feeds a chunk; every line it completes is emitted, masked. */
  write(chunk: string): void {
    this.pending += chunk;
    const lines = this.pending.split(/\r?\n|\r(?!$)/);
    this.pending = lines.pop() ?? "";
    for (const line of lines) this.emit(this.mask(line));
    if (this.pending.length > MAX_PENDING) {
      // Mask first, then keep back a tail that could still be the start of a secret.
      const masked = this.mask(this.pending);
      const cut = Math.max(0, masked.length - Math.max(this.longest - 1, 0));
      this.emit(masked.slice(0, cut));
      this.pending = masked.slice(cut);
    }
  }

  /** Emits what is left of an unterminated last line. */
  end(): void {
    if (this.pending.length > 0) this.emit(this.mask(this.pending));
    this.pending = "";
  }
}

/** The value, each of its lines, and its common encodings. */
function secretForms(secret: string): string[] {
  const parts = secret.includes("\n") ? [secret, ...secret.split(/\r?\n/).map((l) => l.trim())] : [secret];
  const forms: string[] = [];
  for (const part of parts) {
    if (part.length < MIN_SECRET_LENGTH) continue;
    forms.push(part, encodeURIComponent(part));
    for (const b64 of base64Forms(Buffer.from(part, "utf8")))
      forms.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return forms;
}

/**
 * The characters of base64 that depend on the value alone, for each of the three alignments the value can have
 * inside a longer encoded string.
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    forms.push(encoded.slice(start, end));
  }
  // The whole encoding too, with and without padding, so its last partial character goes as well.
  const whole = bytes.toString("base64");
  forms.push(whole, whole.replace(/=+$/, ""));
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
