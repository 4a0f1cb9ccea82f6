import { AppError } from "../errors";

/** A page boundary: the sort value and id of the last item of the previous page. */
export interface Cursor {
  value: string | number;
  id: string;
}

/** The opaque `meta.cursor` of a page. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString("base64url");
}

/** Reads a cursor the API handed out; a forged or damaged one is a 400 on `query.cursor`. */
export function decodeCursor(text: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === "string" || typeof parsed[0] === "number") &&
      typeof parsed[1] === "string" &&
      /^[0-9a-f-]{36}$/i.test(parsed[1])
    ) {
      return { value: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the validation error
  }
  throw new AppError("VALIDATION_ERROR", "The cursor is not one this API handed out", [
    { path: "query.cursor", message: "unknown cursor; use meta.cursor of the previous page" },
  ]);
}
