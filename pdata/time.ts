/**
 * Timestamp parsing to decimal nanosecond strings, keeping every fractional digit.
 * Kata writes RFC 3339 with 0–9 fractional digits and `Z` or `±hh:mm` (Go RFC3339Nano,
 * slog chrono and time crates); CRI-O puts a space before the time; firecracker omits
 * the zone; nydusd writes ` +00:00` after a space. All are accepted here.
 */
const RFC3339ISH =
  /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\d*(?: ?(Z|z|[+-]\d\d:?\d\d))?$/;

/** Parses an RFC 3339-like timestamp. Returns "" when it is not one. A missing zone is read as UTC. */
export function parseTimestamp(text: string): string {
  const m = RFC3339ISH.exec(text);
  if (m === null) return '';
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Number.isNaN(ms)) return '';
  let seconds = ms / 1000;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.charCodeAt(0) === 45 /* - */ ? -1 : 1;
    const digits = zone.length === 6 ? zone.slice(1, 3) + zone.slice(4) : zone.slice(1);
    seconds -= sign * (+digits.slice(0, 2) * 3600 + +digits.slice(2) * 60);
  }
  return nanosFromParts(seconds, m[7] ?? '');
}

/** `seconds` since the epoch (an integer) plus up to 9 fractional digits, as a decimal ns string. */
export function nanosFromParts(seconds: number, fraction: string): string {
  if (seconds < 0) return '0';
  if (seconds === 0 && fraction === '') return '0';
  const frac = fraction.length >= 9 ? fraction.slice(0, 9) : (fraction + '000000000').slice(0, 9);
  return seconds === 0 ? String(Number(frac)) : String(seconds) + frac;
}

/** Milliseconds since the epoch (may carry a fraction) to a ns string, for clocks such as Date.now(). */
export function nanosFromMillis(ms: number): string {
  const whole = Math.floor(ms);
  const sub = Math.round((ms - whole) * 1e6);
  return nanosFromParts(Math.floor(whole / 1000), String((whole % 1000) * 1e6 + sub).padStart(9, '0'));
}

/** Microseconds since the epoch as a decimal string (journald's __REALTIME_TIMESTAMP) to ns. */
export function nanosFromMicrosString(us: string): string {
  if (!/^\d{1,17}$/.test(us)) return '';
  return us === '0' ? '0' : us + '000';
}

/** Current wall-clock time in ns (with µs resolution from performance.timeOrigin). */
export function nowNanos(): string {
  return nanosFromMillis(performance.timeOrigin + performance.now());
}

/** ns string to an RFC 3339 string with 9 fractional digits, for people. */
export function formatNanos(ns: string): string {
  if (ns === '0' || ns === '') return '';
  const padded = ns.padStart(10, '0');
  const seconds = Number(padded.slice(0, -9));
  const iso = new Date(seconds * 1000).toISOString();
  return iso.slice(0, 19) + '.' + padded.slice(-9) + 'Z';
}

export const MONTHS_EN = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTHS_LOCALE: Record<string, number> = {
  // Spanish, French, German, Italian, Portuguese abbreviations seen in journalctl output.
  ene: 0, abr: 3, ago: 7, dic: 11, janv: 0, 'févr': 1, avr: 3, mai: 4, juin: 5, juil: 6, 'août': 7, 'déc': 11,
  mär: 2, okt: 9, dez: 11, gen: 0, mag: 4, giu: 5, lug: 6, set: 8, ott: 9, fev: 1, out: 9,
  // CJK: "3月" and the bare numerals of zh_CN short dates ("三").
  一: 0, 二: 1, 三: 2, 四: 3, 五: 4, 六: 5, 七: 6, 八: 7, 九: 8, 十: 9, 十一: 10, 十二: 11,
};

/** Month index (0–11) of a locale abbreviated month name as journalctl prints it, or -1. */
export function monthIndex(name: string): number {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const en = MONTHS_EN.indexOf(lower);
  if (en >= 0) return en;
  const cjk = /^(\d{1,2})月$/.exec(lower);
  if (cjk !== null) {
    const n = +cjk[1]! - 1;
    return n >= 0 && n < 12 ? n : -1;
  }
  return MONTHS_LOCALE[lower] ?? -1;
}

/**
 * Time of a syslog/journal short timestamp (no year, no zone): the year is the one that
 * puts the date no more than a day after `refMillis`, the zone is UTC.
 */
export function nanosFromShortDate(month: number, day: number, hms: string, refMillis: number): string {
  const [h, mi, s] = hms.split(':').map(Number) as [number, number, number];
  const ref = new Date(refMillis);
  let year = ref.getUTCFullYear();
  let ms = Date.UTC(year, month, day, h, mi, s);
  if (ms > refMillis + 86_400_000) ms = Date.UTC(--year, month, day, h, mi, s);
  return Number.isNaN(ms) ? '' : nanosFromParts(ms / 1000, '');
}
