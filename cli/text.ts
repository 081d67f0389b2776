/** Small text helpers for the human-facing output (table, summary, progress). */

/** The level name of an OTLP SeverityNumber range: 1–4 TRACE, 5–8 DEBUG, ... 21–24 FATAL. */
export function severityName(n: number): string {
  if (n >= 1 && n <= 4) return 'TRACE';
  if (n >= 5 && n <= 8) return 'DEBUG';
  if (n >= 9 && n <= 12) return 'INFO';
  if (n >= 13 && n <= 16) return 'WARN';
  if (n >= 17 && n <= 20) return 'ERROR';
  if (n >= 21 && n <= 24) return 'FATAL';
  return 'UNSPECIFIED';
}

// CSI / OSC escape sequences, then any other C0/C1 control, then bidi overrides (which can
// make a terminal show text in a different order than it is).
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])/g;
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One terminal-safe line: escape sequences removed, line breaks shown as ⏎, tabs as a
 * space, other control characters as U+FFFD.
 */
export function oneLine(text: string): string {
  let s = text;
  if (s.indexOf('\x1b') >= 0) s = s.replace(ANSI, '');
  return s.replace(CONTROL, (c) => (c === '\n' ? '⏎' : c === '\t' || c === '\r' ? ' ' : '\uFFFD'));
}

/** Columns a code point takes in a terminal: 2 for East Asian wide/fullwidth, else 1. */
function columns(cp: number): number {
  if (cp < 0x1100) return 1;
  if (
    (cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) || (cp >= 0xac00 && cp <= 0xd7a3)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60)
    || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

/** Cuts `text` to at most `width` terminal columns, ending in … when cut. */
export function fitWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width && /^[\x20-\x7e]*$/.test(text)) return text;
  let total = 0;
  for (const ch of text) total += columns(ch.codePointAt(0)!);
  if (total <= width) return text;
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const w = columns(ch.codePointAt(0)!);
    if (used + w > width - 1) break;
    used += w;
    end += ch.length;
  }
  return text.slice(0, end) + '…';
}

export function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}
