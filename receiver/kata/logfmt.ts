/**
 * A logfmt scanner for logrus `TextFormatter` output. Values are bare when every
 * character is in [A-Za-z0-9-._/@^+] and Go-quoted (`%q`) otherwise, so a quoted value
 * is decoded with Go's escapes. Damaged text (lost chunks, a stray quote, a raw newline
 * cut mid-value) still yields every pair that can be read, with `clean` false.
 */
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

function quickQuoted(text: string, from: number): { value: string; end: number } | undefined {
  const n = text.length;
  let end = text.indexOf('" ', from);
  // Step over escaped candidates (`\\\" }` inside a Rust Debug dump): an odd run of backslashes.
  while (end >= 0 && oddBackslashesBefore(text, end, from)) end = text.indexOf('" ', end + 1);
  if (end < 0) end = n - 1 >= from && text.charCodeAt(n - 1) === 34 && !oddBackslashesBefore(text, n - 1, from) ? n - 1 : -1;
  if (end < 0) return undefined;
  const raw = text.slice(from, end);
  if (raw.indexOf('\\') < 0) return raw.indexOf('"') < 0 ? { value: raw, end } : undefined;
  if (raw.indexOf('\\x') >= 0) return undefined;
  try {
    return { value: JSON.parse('"' + raw + '"') as string, end };
  } catch {
    return undefined;
  }
}

export function scanLogfmt(text: string, start = 0): LogfmtResult {
  const pairs: string[] = [];
  let clean = true;
  let unterminated = false;
  const n = text.length;
  let i = start;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 61 /* = */ || isSpace(c) || c === 34 /* " */) break;
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
    if (i < n && text.charCodeAt(i) === 34) {
      const fast = quickQuoted(text, i + 1);
      if (fast !== undefined) {
        pairs.push(key, fast.value);
        i = fast.end + 1;
        if (key === '') clean = false;
        continue;
      }
      const close = findClosingQuote(text, i + 1);
      if (close < 0) {
        // The closing quote was lost (a cut paste): end the value at the next ` key=`
        // so the fields after it are recovered; else it runs to the end.
        clean = false;
        unterminated = true;
        NEXT_KEY.lastIndex = i + 1;
        const next = NEXT_KEY.exec(text);
        const end = next === null ? n : next.index;
        pairs.push(key, goUnescape(text.slice(i + 1, end)).value);
        i = end;
        continue;
      }
      const u = goUnescape(text.slice(i + 1, close));
      if (!u.clean) clean = false;
      pairs.push(key, u.value);
      i = close + 1;
      if (i < n && !isSpace(text.charCodeAt(i))) clean = false;
    } else {
      // Bare values never hold a space; the native search is much faster than a char loop.
      const valueStart = i;
      const space = text.indexOf(' ', i);
      i = space < 0 ? n : space;
      let value = text.slice(valueStart, i);
      const tab = value.search(OTHER_SPACE);
      if (tab >= 0) {
        i = valueStart + tab;
        value = value.slice(0, tab);
      }
      pairs.push(key, value);
    }
    if (key === '') clean = false;
  }
  return { pairs, clean, unterminated };
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
