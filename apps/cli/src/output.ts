import { stripVTControlCharacters } from "node:util";
import { colorsFor, type Paint, painter } from "./style";

interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A progress line on a terminal, rewritten in place. */
export interface Progress {
  update(text: string): void;
  done(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Where a command's output goes. Results go to stdout: with `--json` one JSON document (or JSON lines for
 * streams), otherwise text for people, coloured on a terminal only. Notes, warnings and progress go to stderr,
 * so a pipe gets only the results; progress animates only on a terminal.
 */
export class Output {
  /** Colours for stdout. */
  readonly paint: Paint;
  /** Colours for stderr. */
  readonly notePaint: Paint;

  constructor(
    readonly json: boolean,
    private readonly streams: Streams = { stdout: process.stdout, stderr: process.stderr },
  ) {
    this.paint = painter(!json && colorsFor(streams.stdout));
    this.notePaint = painter(colorsFor(streams.stderr));
  }

  /** One line of human output on stdout. */
  print(line = ""): void {
    this.streams.stdout.write(`${line}\n`);
  }

  /** Raw text on stdout (log output as it came). */
  write(text: string): void {
    this.streams.stdout.write(text);
  }

  /** A note for the person at the terminal, on stderr. */
  note(line: string): void {
    this.streams.stderr.write(`${line}\n`);
  }

  warn(line: string): void {
    this.note(this.notePaint.yellow(`! ${line}`));
  }

  /** The command's result: JSON with `--json`, else what `human` prints. */
  result(data: unknown, human: () => void): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else human();
  }

  /** One JSON line (streams with `--json`: logs). */
  jsonLine(data: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(data)}\n`);
  }

  /** A table with a header row; columns padded to their widest cell. */
  table(headers: string[], rows: string[][]): void {
    const width = (text: string) => stripVTControlCharacters(text).length;
    const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - width(c))))
        .join("  ")
        .trimEnd();
    this.print(this.paint.dim(line(headers)));
    for (const row of rows) this.print(line(row));
  }

  /** An animated progress line on stderr when it is a terminal (and not --json); nothing otherwise. */
  progress(text: string): Progress {
    const stream = this.streams.stderr;
    if (this.json || !stream.isTTY) return { update: () => {}, done: () => {} };
    let frame = 0;
    let current = text;
    const draw = () =>
      stream.write(`\r\u001b[2K${this.notePaint.cyan(FRAMES[frame++ % FRAMES.length] ?? "")} ${current}`);
    draw();
    const timer = setInterval(draw, 80);
    return {
      update: (next) => {
        current = next;
        draw();
      },
      done: () => {
        clearInterval(timer);
        stream.write("\r\u001b[2K");
      },
    };
  }
}
