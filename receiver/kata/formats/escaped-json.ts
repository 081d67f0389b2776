/**
 * A flat JSON object written escaped inside another JSON string, as runtime-rs ≤3.19 logs
 * the agent's records: `"msg":"{\"msg\":\"policy check: ...\",\"level\":\"DEBG\",...}"`.
 * Read where it stands, without first decoding the outer string into a text of its own
 * and scanning that again: the decoded text would only be read once, by the same scan.
 *
 * The result must be what scanFlatJsonInto (json.ts) reads from the decoded string, so
 * anything that could make the two differ gives -1 and the caller takes that way instead.
 * In particular the outer string may use only the escapes `\"` and `\\`: then its decoded
 * text is the outer text with those pairs reduced, and holds no control character when
 * the outer text holds none (which the caller checked).
 */
import type { FlatJson } from './flat-json';
import { addFlatPair } from './flat-json';

/** Index of the quote that closes the outer string, after scanEscapedJsonInto returned a count. */
export let escapedJsonEnd = 0;

/**
 * Reads the object whose `{` is at `from` (followed by `\"`) into `out`: the number of
 * pairs, or -1. Keys and values are what JSON.parse gives for the decoded object.
 */
export function scanEscapedJsonInto(text: string, from: number, out: FlatJson): number {
  const n = text.length;
  let count = 0;
  out.nestedAt = -1;
  // At the first character of a key.
  let i = from + 3;
  for (;;) {
    const c0 = text.charCodeAt(i);
    if (c0 >= 48 && c0 <= 57) return -1;
    // The key ends at `\"`; a raw quote would end the outer string, another escape puts a
    // backslash in the key (which the flat scan does not read).
    let ke = i;
    let h = 0;
    for (let c = c0; c !== 92; c = text.charCodeAt(++ke)) {
      if (ke >= n || c === 34) return -1;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (text.charCodeAt(ke + 1) !== 34 || text.charCodeAt(ke + 2) !== 58 || text.charCodeAt(ke + 3) !== 92 || text.charCodeAt(ke + 4) !== 34) return -1;
    const vs = ke + 5;
    let ve = text.indexOf('\\', vs);
    if (ve < 0) return -1;
    let value: string;
    if (text.charCodeAt(ve + 1) === 34) {
      // No escape inside the value: it is the text up to its closing `\"`, if no raw quote comes first.
      const q = text.indexOf('"', vs);
      if (q !== ve + 1) return -1;
      value = text.slice(vs, ve);
    } else {
      const v = escapedValue(text, vs, ve);
      if (v === undefined) return -1;
      value = v;
      ve = valueEnd;
    }
    const key = text.slice(i, ke);
    if ((count = addFlatPair(out, count, key, h, value)) < 0) return -1;
    const c = text.charCodeAt(ve + 2);
    if (c === 44 /* , */ && text.charCodeAt(ve + 3) === 92 && text.charCodeAt(ve + 4) === 34) {
      i = ve + 5;
      continue;
    }
    if (c !== 125 /* } */ || text.charCodeAt(ve + 3) !== 34) return -1;
    // The flat scan does not read decoded texts under 8 characters (`{"":""}`); those
    // are at most 11 here.
    if (ve + 3 - from < 16) return -1;
    escapedJsonEnd = ve + 3;
    return count;
  }
}

/** A raw control character, or the end: how far a run without one goes. */
const NO_CONTROL = /[^\u0000-\u001f]*/y;

/**
 * scanEscapedJsonInto for a logfmt value (`vmconsole="{\"msg\":...}"`, `from` at its `{`):
 * only when the logfmt scanner would decode the value to exactly that object's text, i.e.
 * the closing quote is followed by a space or ends the text (where quickQuoted, logfmt.ts,
 * ends the value) and no raw control character is inside (which JSON.parse refuses and
 * the Go decoder keeps).
 */
export function scanQuotedJsonInto(text: string, from: number, out: FlatJson): number {
  const count = scanEscapedJsonInto(text, from, out);
  if (count < 0) return -1;
  const end = escapedJsonEnd;
  if (end !== text.length - 1 && text.charCodeAt(end + 1) !== 32) return -1;
  NO_CONTROL.lastIndex = from;
  NO_CONTROL.test(text);
  return NO_CONTROL.lastIndex < end ? -1 : count;
}

/** Where the value escapedValue read last ends: the backslash of its closing `\"`. */
let valueEnd = 0;

/**
 * The value that starts at `vs` and has its first escape at `p`, or undefined. Inner escapes
 * are written `\\` plus the escaped character, which for a quote or backslash is itself
 * escaped (`\\\"`, `\\\\`). Values escaping nothing else (quotes in a Rust Debug dump)
 * are put together here; others are decoded twice by JSON.parse, outer then inner.
 */
function escapedValue(text: string, vs: number, p: number): string | undefined {
  let value = '';
  // Start of the run not yet added to value; -1 once JSON.parse is to decode the value.
  let from = vs;
  // The first raw quote from the start of the current plain run, searched again only once
  // p passed it; one before the first escape ends the outer string inside the value.
  let q = text.indexOf('"', vs);
  if (q < p) return undefined;
  for (;;) {
    const e = text.charCodeAt(p + 1);
    if (e === 34) break;
    if (e !== 92) return undefined;
    const c = text.charCodeAt(p + 2);
    if (c === 92) {
      const d = text.charCodeAt(p + 3);
      if (d !== 34 && d !== 92) return undefined;
      if (from >= 0) {
        value += text.slice(from, p) + (d === 34 ? '"' : '\\');
        from = p + 4;
      }
      p += 4;
    } else if (c === 34 || Number.isNaN(c)) {
      return undefined;
    } else {
      from = -1;
      p += 3;
    }
    const next = text.indexOf('\\', p);
    if (next < 0) return undefined;
    // The plain run before the next escape may not hold a raw quote.
    if (q < p) {
      q = text.indexOf('"', p);
      if (q < 0) return undefined;
    }
    if (q < next) return undefined;
    p = next;
  }
  valueEnd = p;
  if (from >= 0) return value + text.slice(from, p);
  try {
    return JSON.parse(JSON.parse('"' + text.slice(vs - 2, p + 2) + '"') as string) as string;
  } catch {
    return undefined;
  }
}
