/** Whether to colour a stream: a terminal, `NO_COLOR` unset (https://no-color.org), `TERM` not `dumb`. */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
} as const;

/** A colour name of `Paint`. */
export type Color = keyof typeof CODES;

/** Colours text when enabled; the identity otherwise. */
export type Paint = Record<Color, (text: string) => string>;

/** The painter for a stream. */
export function painter(enabled: boolean): Paint {
  const paint = {} as Paint;
  for (const [name, [on, off]] of Object.entries(CODES) as [Color, readonly [number, number]][]) {
    paint[name] = enabled ? (text) => `\u001b[${on}m${text}\u001b[${off}m` : (text) => text;
  }
  return paint;
}
