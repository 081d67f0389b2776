/**
 * Timestamp parsing to decimal nanosecond strings, keeping every fractional digit.
 * Kata writes RFC 3339 with 0–9 fractional digits and `Z` or `±hh:mm` (Go RFC3339Nano,
 * slog chrono and time crates); CRI-O puts a space before the time; firecracker omits
 * the zone; nydusd writes ` +00:00` after a space. All are accepted here.
 */
/** Days in a month (1–12) of a year, proleptic Gregorian. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The number written by `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses an RFC 3339-like timestamp: `YYYY-MM-DD`, `T` or a space, `HH:MM:SS`, an optional
 * `.` or `,` fraction (digits past the ninth are dropped), then optionally one space and
 * `Z`/`z`, `±HH:MM` or `±HHMM`. Returns "" when it is not one: malformed text, a field out
 * of range (month 13, 25:00, Feb 30, an offset past ±23:59), or a time before 1970 such as
 * Go's zero time `0001-01-01T00:00:00Z`. A missing zone is read as UTC. Hand-written with
 * charCodeAt because every record with a time comes through here.
 */
export function parseTimestamp(text: string): string {
  const n = text.length;
  if (n < 19) return '';
  // Records come in time order: most share their second with the one before.
  let base: number;
  if (lastSecondText !== '' && text.startsWith(lastSecondText)) {
    base = lastSecond;
  } else {
    const sep = text.charCodeAt(10);
    if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 32)) return '';
    if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return '';
    const year = digitsAt(text, 0, 4);
    const month = digitsAt(text, 5, 2);
    const day = digitsAt(text, 8, 2);
    const hour = digitsAt(text, 11, 2);
    const minute = digitsAt(text, 14, 2);
    const second = digitsAt(text, 17, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return '';
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return '';
    base = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
    lastSecondText = text.slice(0, 19);
    lastSecond = base;
  }
  let i = 19;
  let fraction = '';
  const dot = text.charCodeAt(i);
  if (dot === 46 /* . */ || dot === 44 /* , */) {
    let j = i + 1;
    while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    if (j === i + 1) return '';
    fraction = text.slice(i + 1, Math.min(j, i + 10));
    i = j;
  }
  let offset = 0;
  if (i < n) {
    if (text.charCodeAt(i) === 32) i++;
    const z = text.charCodeAt(i);
    if (z === 90 /* Z */ || z === 122 /* z */) {
      if (i + 1 !== n) return '';
    } else if (z === 43 /* + */ || z === 45 /* - */) {
      const zh = digitsAt(text, i + 1, 2);
      const k = text.charCodeAt(i + 3) === 58 ? i + 4 : i + 3;
      const zm = digitsAt(text, k, 2);
      if (k + 2 !== n || zh < 0 || zh > 23 || zm < 0 || zm > 59) return '';
      offset = (z === 45 ? -1 : 1) * (zh * 3600 + zm * 60);
    } else {
      return '';
    }
  }
  const seconds = base - offset;
  if (seconds < 0) return '';
  return nanosFromParts(seconds, fraction);
}

/** The date and time to the second (`YYYY-MM-DDTHH:MM:SS`) parseTimestamp read last, and its value. */
let lastSecondText = '';
let lastSecond = 0;

/** ZEROS[k] is k zeros: the padding of a fraction to nine digits. */
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000'];

/** `seconds` since the epoch (an integer) plus up to 9 fractional digits, as a decimal ns string. */
export function nanosFromParts(seconds: number, fraction: string): string {
  if (seconds < 0) return '0';
  if (seconds === 0 && fraction === '') return '0';
  const frac = fraction.length >= 9 ? fraction.slice(0, 9) : fraction + ZEROS[9 - fraction.length]!;
  if (seconds === 0) return String(Number(frac));
  // Records come in time order: most share their second with the one before.
  if (seconds !== lastSecondsValue) {
    lastSecondsValue = seconds;
    lastSecondsText = String(seconds);
  }
  const ns = lastSecondsText + frac;
  if (Number.isInteger(seconds)) {
    // millisFromNanos of this very string, for the clock learning that follows.
    const a = frac.charCodeAt(0) - 48;
    const b = frac.charCodeAt(1) - 48;
    const c = frac.charCodeAt(2) - 48;
    if (a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) {
      lastNanos = ns;
      lastNanosMillis = seconds * 1000 + a * 100 + b * 10 + c;
    }
  }
  return ns;
}

/** The seconds nanosFromParts wrote last, as a number and in decimal. */
let lastSecondsValue = Number.NaN;
let lastSecondsText = '';

/** The last time string nanosFromParts made, and its whole milliseconds. */
let lastNanos = '';
let lastNanosMillis = 0;

const TEN_DIGITS = /^\d{10}$/;
let msPrefix = '\u0000';
let msPrefixValue = 0;

/**
 * `Number(ns.slice(0, -6))`: whole milliseconds of a decimal ns string. Consecutive records
 * mostly share their second, so the seconds of the last 19-digit time are kept.
 */
export function millisFromNanos(ns: string): number {
  // Mostly the time just parsed: the same string, compared by identity.
  if (ns === lastNanos) return lastNanosMillis;
  if (ns.length === 19) {
    const a = ns.charCodeAt(10) - 48;
    const b = ns.charCodeAt(11) - 48;
    const c = ns.charCodeAt(12) - 48;
    if (a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) {
      if (ns.startsWith(msPrefix)) return msPrefixValue + a * 100 + b * 10 + c;
      const prefix = ns.slice(0, 10);
      if (TEN_DIGITS.test(prefix)) {
        msPrefix = prefix;
        msPrefixValue = Number(prefix) * 1000;
        return msPrefixValue + a * 100 + b * 10 + c;
      }
    }
  }
  return Number(ns.slice(0, -6));
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
  ene: 0, abr: 3, ago: 7, dic: 11, janv: 0, 'févr': 1, mars: 2, avr: 3, mai: 4, juin: 5, juil: 6, 'août': 7, sept: 8,
  'déc': 11, mär: 2, okt: 9, dez: 11, gen: 0, mag: 4, giu: 5, lug: 6, set: 8, ott: 9, fev: 1, out: 9,
  // CJK: "3月" is handled below; zh_CN short dates may also print the bare numerals ("三").
  一: 0, 二: 1, 三: 2, 四: 3, 五: 4, 六: 5, 七: 6, 八: 7, 九: 8, 十: 9, 十一: 10, 十二: 11,
};

/** The common spellings, looked up before any case folding (every journal line asks). */
const MONTHS_EXACT = new Map<string, number>();
MONTHS_EN.forEach((m, i) => {
  MONTHS_EXACT.set(m, i);
  MONTHS_EXACT.set(m[0]!.toUpperCase() + m.slice(1), i);
});

/** Month index (0–11) of a locale abbreviated month name as journalctl prints it, or -1. */
export function monthIndex(name: string): number {
  const exact = MONTHS_EXACT.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase().replace(/\.$/, '');
  const en = MONTHS_EN.indexOf(lower);
  if (en >= 0) return en;
  // zh_CN / ja_JP "3月", ko_KR "3월".
  const last = lower.charCodeAt(lower.length - 1);
  if ((last === 0x6708 /* 月 */ || last === 0xc6d4 /* 월 */) && lower.length <= 3) {
    const n = Number(lower.slice(0, -1)) - 1;
    return Number.isInteger(n) && n >= 0 && n < 12 ? n : -1;
  }
  return MONTHS_LOCALE[lower] ?? -1;
}

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

let cachedRefMillis = Number.NaN;
let cachedRefYear = 0;

/**
 * Time of a syslog/journal short timestamp (no year, no zone): the year is the latest one
 * that puts the date no more than a day after `refMillis` and makes it a real date (Feb 29
 * goes back to a leap year); the zone is UTC. "" when the clock text is out of range.
 * Called for every journal line, so it avoids splitting and Date objects where it can.
 */
export function nanosFromShortDate(month: number, day: number, hms: string, refMillis: number, maxAheadMs = 86_400_000): string {
  if (hms.length !== 8 || hms.charCodeAt(2) !== 58 || hms.charCodeAt(5) !== 58) return '';
  const h = twoDigits(hms, 0);
  const mi = twoDigits(hms, 3);
  const s = twoDigits(hms, 6);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return '';
  if (month < 0 || month > 11 || day < 1 || day > 31 || Number.isNaN(refMillis)) return '';
  if (refMillis !== cachedRefMillis) {
    cachedRefMillis = refMillis;
    cachedRefYear = new Date(refMillis).getUTCFullYear();
  }
  let year = cachedRefYear;
  for (let tries = 0; tries < 9; tries++, year--) {
    if (day > daysInMonth(year, month + 1)) continue;
    const ms = Date.UTC(year, month, day, h, mi, s);
    if (ms > refMillis + maxAheadMs) continue;
    return ms < 0 ? '' : nanosFromParts(ms / 1000, '');
  }
  return '';
}
