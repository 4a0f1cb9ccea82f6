// The envelope format: a JSON header line, then items, each a JSON header line and a payload. A payload is exactly
// `length` bytes when the item header gives one, else runs to the next newline (or the end). A newline after a
// payload is optional. https://develop.sentry.dev/sdk/data-model/envelopes/

/** One item of an envelope: its header and raw payload bytes. */
export interface EnvelopeItem {
  type: string;
  header: Record<string, unknown>;
  payload: Buffer;
}

/** A parsed envelope. */
export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

/** Why an envelope could not be read; the message is safe to show to the sender. */
export class EnvelopeError extends Error {
  override readonly name = "EnvelopeError";
}

/** Most items one envelope may hold (SDKs send a handful; a flood of tiny items is refused as a whole). */
export const MAX_ENVELOPE_ITEMS = 1000;

const NEWLINE = 0x0a;

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new EnvelopeError(`${what} is not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EnvelopeError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Reads an envelope; throws EnvelopeError when it is malformed. */
export function parseEnvelope(body: Buffer): Envelope {
  let pos = 0;
  const line = (): Buffer => {
    const end = body.indexOf(NEWLINE, pos);
    const out = body.subarray(pos, end === -1 ? body.length : end);
    pos = end === -1 ? body.length : end + 1;
    return out;
  };
  const first = line();
  if (first.length === 0 || first.toString("utf8").trim() === "") throw new EnvelopeError("the envelope has no header");
  const header = jsonObject(first, "the envelope header");
  const items: EnvelopeItem[] = [];
  while (pos < body.length) {
    const headerLine = line();
    // Blank lines between items (a trailing newline, CRLF leftovers) carry nothing.
    if (headerLine.toString("utf8").trim() === "") continue;
    const itemHeader = jsonObject(headerLine, `the header of item ${items.length + 1}`);
    const type = itemHeader.type;
    if (typeof type !== "string" || type === "") throw new EnvelopeError(`item ${items.length + 1} has no type`);
    let payload: Buffer;
    const length = itemHeader.length;
    if (length !== undefined && length !== null) {
      if (typeof length !== "number" || !Number.isInteger(length) || length < 0) {
        throw new EnvelopeError(`item ${items.length + 1} has an invalid length`);
      }
      if (pos + length > body.length) throw new EnvelopeError(`item ${items.length + 1} is shorter than its length`);
      payload = body.subarray(pos, pos + length);
      pos += length;
      if (body[pos] === NEWLINE) pos++;
    } else {
      payload = line();
    }
    items.push({ type, header: itemHeader, payload });
    if (items.length > MAX_ENVELOPE_ITEMS) throw new EnvelopeError(`more than ${MAX_ENVELOPE_ITEMS} items`);
  }
  return { header, items };
}

/** An item payload as a JSON object; throws EnvelopeError when it is not one. */
export function itemJson(item: EnvelopeItem, index: number): Record<string, unknown> {
  return jsonObject(item.payload, `the ${item.type} item ${index + 1}`);
}
