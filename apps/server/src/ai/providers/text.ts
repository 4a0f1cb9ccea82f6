/** The first line of a text (a commit message's subject). */
export const firstLine = (s: string) => s.split("\n")[0] ?? s;

/** A text cut to `n` characters with an ellipsis. */
export const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
