/** A query's error as the caller reads it: what is wrong, and where in the expression (a caret under the column). */

export interface QueryError {
  /** What went wrong, without the expression. */
  message: string;
  /** 0-based character offset into the expression, when the error has a place. */
  position?: number;
  /** The whole text to show: the message, the expression and a caret line, and the fix when there is one. */
  text: string;
}

/** The longest stretch of the expression shown around the caret. */
const WINDOW = 72;

/**
 * "message at column 12:\n  items[?status = 'x']\n              ^" — the expression is shown on one line (newlines as
 * spaces) and, when long, only the window around the position, so the caret stays under the right character.
 */
export function queryError(args: { expression: string; message: string; position?: number; hint?: string }): QueryError {
  const { expression, message, position, hint } = args;
  const flat = expression.replace(/[\r\n\t]/g, ' ');
  let text = `\`query\` ${message}`;
  if (position !== undefined) {
    const at = Math.max(0, Math.min(position, flat.length));
    const from = Math.max(0, Math.min(at - Math.floor(WINDOW / 2), flat.length - WINDOW));
    const to = Math.min(flat.length, from + WINDOW);
    const shown = `${from > 0 ? '…' : ''}${flat.slice(from, to)}${to < flat.length ? '…' : ''}`;
    const caret = at - from + (from > 0 ? 1 : 0);
    text += ` (at column ${at + 1}):\n  ${shown}\n  ${' '.repeat(caret)}^`;
  } else {
    text += `:\n  ${flat.length > WINDOW ? `${flat.slice(0, WINDOW)}…` : flat}`;
  }
  if (hint) text += `\n${hint}`;
  return { message, position, text };
}
