/**
 * A logfmt scanner for logrus `TextFormatter` output. Values are bare when every
 * character is in [A-Za-z0-9-._/@^+] and Go-quoted (`%q`) otherwise, so a quoted value
 * is decoded with Go's escapes. Damaged text (lost chunks, a stray quote, a raw newline
 * cut mid-value) still yields every pair that can be read, with `clean` false.
 */
import { depthScratch } from './depth-scratch';
import { escapedJsonEnd, scanQuotedJsonInto } from './formats/escaped-json';
import type { FlatJson } from './formats/flat-json';
import { findClosingQuote, goUnescape } from './unquote';

export interface LogfmtResult {
  /** Flat [key0, value0, key1, value1, ...] in the order written. */
  pairs: string[];
  /** False when a token had no `=`, an escape was invalid or a quote never closed. */
  clean: boolean;
  /** True when the last quoted value runs to the end of the text without a closing quote. */
  unterminated: boolean;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

const OTHER_SPACE = /[\t\r\n]/;
const NEXT_KEY = /\s[A-Za-z_][\w.-]{0,64}=/g;

/**
 * The common case of a quoted value, decoded in one native pass. logrus closes a value
 * with `"` then a space or the end of the line, so the candidate end is the next `" `
 * (or the last character); `JSON.parse` then both decodes the Go escapes JSON shares and
 * proves the stretch holds no unescaped quote, i.e. that the candidate is the real end.
 * Anything else (a Go-only escape such as `\x1b`, a raw control character, damage)
 * returns undefined and takes the careful path.
 */
function oddBackslashesBefore(text: string, q: number, from: number): boolean {
  let j = q - 1;
  while (j >= from && text.charCodeAt(j) === 92) j--;
  return ((q - 1 - j) & 1) === 1;
}

/** Index of the first tab, carriage return or newline at or after `from`; the length when none. */
function firstOtherSpace(text: string, from: number): number {
  let first = text.length;
  const t = text.indexOf('\t', from);
  if (t >= 0) first = t;
  const r = text.indexOf('\r', from);
  if (r >= 0 && r < first) first = r;
  const nl = text.indexOf('\n', from);
  if (nl >= 0 && nl < first) first = nl;
  return first;
}

/**
 * `s.indexOf('\\x') >= 0`, searched by the `x`: values that need JSON's escapes have a
 * backslash before every quote, and a search stops at each occurrence of the first character.
 */
function hasBackslashX(s: string): boolean {
  for (let i = s.indexOf('x', 1); i >= 0; i = s.indexOf('x', i + 1)) {
    if (s.charCodeAt(i - 1) === 92) return true;
  }
  return false;
}

/** End (closing quote) of the value quickQuoted returned last. */
let quickEnd = 0;

function quickQuoted(text: string, from: number): string | undefined {
  const n = text.length;
  let end = text.indexOf('" ', from);
  // Step over escaped candidates (`\\\" }` inside a Rust Debug dump): an odd run of backslashes.
  while (end >= 0 && oddBackslashesBefore(text, end, from)) end = text.indexOf('" ', end + 1);
  if (end < 0) end = n - 1 >= from && text.charCodeAt(n - 1) === 34 && !oddBackslashesBefore(text, n - 1, from) ? n - 1 : -1;
  if (end < 0) return undefined;
  const raw = text.slice(from, end);
  quickEnd = end;
  if (raw.indexOf('\\') < 0) return raw.indexOf('"') < 0 ? raw : undefined;
  if (hasBackslashX(raw)) return undefined;
  try {
    // The quoted string as it stands in the text (text[from - 1] and text[end] are its
    // quotes): a slice, which the parser reads in place, not a copy.
    return JSON.parse(text.slice(from - 1, end + 1)) as string;
  } catch {
    return undefined;
  }
}

/**
 * Where scanLogfmtInto writes: pairs[0 .. 2 * count) and hashes[0 .. count) hold the
 * result. The arrays start with room for a usual record, so they are not grown pair by
 * pair; entries past the count are unused.
 */
export interface LogfmtPairs {
  pairs: string[];
  /** keyHash (fields.ts) of each pair's key, computed while the key is read. */
  hashes: number[];
  clean: boolean;
  unterminated: boolean;
  /** A `name` or `source` key right after a space: the text has ` name=` or ` source=`. */
  named: boolean;
  /**
   * Index of the vmconsole pair whose value, agent JSON, was read in place into the
   * FlatJson passed to scanLogfmtInto (see scanQuotedJsonInto), or -1. Its value in
   * `pairs` is not set; `rawStart` and `rawEnd` bound the text between its quotes.
   */
  nestedAt: number;
  rawStart: number;
  rawEnd: number;
}

export function newLogfmtPairs(): LogfmtPairs {
  return {
    pairs: new Array<string>(32), hashes: new Array<number>(16), clean: true, unterminated: false, named: false, nestedAt: -1, rawStart: 0, rawEnd: 0,
  };
}

/** The LogfmtPairs of one nesting depth, reused (see depth-scratch.ts). */
export const logfmtScratch = depthScratch(newLogfmtPairs);

/** Reads the pairs of a logfmt text. */
export function scanLogfmt(text: string, start = 0): LogfmtResult {
  const out = newLogfmtPairs();
  const count = scanLogfmtInto(text, start, out);
  out.pairs.length = 2 * count;
  return { pairs: out.pairs, clean: out.clean, unterminated: out.unterminated };
}

/**
 * scanLogfmt into the arrays of `out` (see LogfmtPairs); returns the number of pairs.
 * With `inner`, agent JSON in vmconsole= is read into it without being decoded first.
 */
export function scanLogfmtInto(text: string, start: number, out: LogfmtPairs, inner: FlatJson | null = null): number {
  const pairs = out.pairs;
  out.nestedAt = -1;
  const hashes = out.hashes;
  let count = 0;
  let clean = true;
  let unterminated = false;
  let named = false;
  const n = text.length;
  let i = start;
  // Where the first tab, CR or newline is (n when none): before it a bare value runs to the
  // next space; one search per text instead of one per value.
  const other = firstOtherSpace(text, start);
  // Where the next backslash is (n when none): a quoted value before it has no escapes.
  let backslash = text.indexOf('\\', start);
  if (backslash < 0) backslash = n;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const keyStart = i;
    let h = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 61 /* = */ || isSpace(c) || c === 34 /* " */) break;
      h = (Math.imul(h, 31) + c) | 0;
      i++;
    }
    const key = text.slice(keyStart, i);
    if (i >= n || text.charCodeAt(i) !== 61) {
      // A token without `=`: go-logfmt reads it as a key with no value; for Kata text it
      // means damage (a lost chunk or a stray quote), so skip it and say so.
      // A stray quote is skipped alone so the pairs after it are still read.
      clean = false;
      if (key === '' || (i < n && text.charCodeAt(i) === 34)) i++;
      continue;
    }
    i++; // past '='
    if (!named && (key === 'name' || key === 'source') && keyStart > 0 && text.charCodeAt(keyStart - 1) === 32) named = true;
    let value: string;
    if (i < n && text.charCodeAt(i) === 34) {
      // The common quoted value: no escapes, and its first quote after the opening one
      // is followed by a space or ends the text. That is what quickQuoted returns, found
      // with one search.
      if (backslash <= i) {
        backslash = text.indexOf('\\', i);
        if (backslash < 0) backslash = n;
      }
      const q = text.indexOf('"', i + 1);
      if (q >= 0 && q < backslash && (q === n - 1 || text.charCodeAt(q + 1) === 32)) {
        value = text.slice(i + 1, q);
        i = q + 1;
        pairs[2 * count] = key;
        pairs[2 * count + 1] = value;
        hashes[count++] = h;
        if (key === '') clean = false;
        continue;
      }
      if (inner !== null && text.charCodeAt(i + 1) === 123 && text.charCodeAt(i + 2) === 92 && key === 'vmconsole' && (inner.nestedCount = scanQuotedJsonInto(text, i + 1, inner)) >= 0) {
        out.nestedAt = count;
        out.rawStart = i + 1;
        out.rawEnd = escapedJsonEnd;
        pairs[2 * count] = key;
        pairs[2 * count + 1] = '';
        hashes[count++] = h;
        i = escapedJsonEnd + 1;
        continue;
      }
      const fast = quickQuoted(text, i + 1);
      if (fast !== undefined) {
        value = fast;
        i = quickEnd + 1;
      } else {
        const close = findClosingQuote(text, i + 1);
        if (close < 0) {
          // The closing quote was lost (a cut paste): end the value at the next ` key=`
          // so the fields after it are recovered; else it runs to the end.
          clean = false;
          unterminated = true;
          NEXT_KEY.lastIndex = i + 1;
          const next = NEXT_KEY.exec(text);
          const end = next === null ? n : next.index;
          pairs[2 * count] = key;
          pairs[2 * count + 1] = goUnescape(text.slice(i + 1, end)).value;
          hashes[count++] = h;
          i = end;
          continue;
        }
        const u = goUnescape(text.slice(i + 1, close));
        if (!u.clean) clean = false;
        value = u.value;
        i = close + 1;
        if (i < n && !isSpace(text.charCodeAt(i))) clean = false;
      }
    } else {
      // Bare values never hold a space; the native search is much faster than a char loop.
      const valueStart = i;
      const space = text.indexOf(' ', i);
      i = space < 0 ? n : space;
      value = text.slice(valueStart, i);
      if (other < i) {
        const tab = value.search(OTHER_SPACE);
        if (tab >= 0) {
          i = valueStart + tab;
          value = value.slice(0, tab);
        }
      }
    }
    pairs[2 * count] = key;
    pairs[2 * count + 1] = value;
    hashes[count++] = h;
    if (key === '') clean = false;
  }
  out.clean = clean;
  out.unterminated = unterminated;
  out.named = named;
  return count;
}

/** Cheap check used by format detection: the text opens with a logrus key. */
export function startsLikeLogfmt(text: string): boolean {
  return (
    text.startsWith('time=') ||
    text.startsWith('level=') ||
    text.startsWith('msg=') ||
    text.startsWith('vmconsole=')
  );
}
