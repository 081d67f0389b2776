/**
 * The value of a JSON string whose escapes are all `\"` or `\\` (Rust Debug dumps in agent
 * records quote their strings), put together from its plain runs: JSON.parse of the string
 * gives the same value, after a regex has found where the string ends.
 */

/** Index of the quote that closes the string plainEscapedString read last. */
export let plainEscapedEnd = 0;

/**
 * The value of the string that starts at `vs` (after its opening quote) and has its first
 * backslash at `p`, before any quote; undefined when it uses another escape or does not end.
 * The caller rules out raw control characters.
 */
export function plainEscapedString(text: string, vs: number, p: number): string | undefined {
  let value = '';
  let from = vs;
  // The first quote at or after p, searched again only once p passed it.
  let q = -1;
  for (;;) {
    const e = text.charCodeAt(p + 1);
    if (e !== 34 && e !== 92) return undefined;
    value += text.slice(from, p) + (e === 34 ? '"' : '\\');
    from = p += 2;
    if (q < p) {
      q = text.indexOf('"', p);
      if (q < 0) return undefined;
    }
    const next = text.indexOf('\\', p);
    if (next < 0 || q < next) {
      plainEscapedEnd = q;
      return value + text.slice(from, q);
    }
    p = next;
  }
}
