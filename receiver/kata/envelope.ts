/**
 * Peels the wrappers that transport adds in front of a Kata record: CI console
 * prefixes, syslog RFC 5424 / RFC 3164 headers, journalctl's short prefix (locale month
 * names included) or a bare `ident[pid]: `, and Talos's syslog JSON. What is left is the
 * payload the format parsers read; what was peeled becomes attributes.
 */
import { MONTHS_EN, monthIndex, parseTimestamp } from '../../pdata/time';
import { goUnescape } from './unquote';
import type { Envelope } from './keys';

export interface Peeled {
  payload: string;
  envelopes: Envelope[];
  identifier: string;
  pid: number;
  host: string;
  /** Time the envelope states with a full date (RFC 5424), ns, or "". */
  time: string;
  /** A syslog-style date without a year [month 0–11, day, "HH:MM:SS"], resolved by the parser. */
  shortDate: [number, number, string] | null;
  /** Syslog severity 0–7, or -1. */
  syslogSeverity: number;
  facility: number;
  msgid: string;
  structuredData: string;
  }

const CI_PREFIX = /^(?:\d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) # /;
const RFC5424 = /^<(\d{1,3})>1 (\S{1,64}) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) (-|(?:\[(?:[^\]\\]|\\.){0,8192}\])+) ?/;
// The optional HOSTNAME never ends in ':', so a host-less `tag[pid]: ` is not read as a host.
const RFC3164 = /^<(\d{1,3})>([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d) (?:(\S{0,254}[^\s:]) )?([^\s[:]{1,128})(?:\[(\d{1,10})\])?: ?/;
const JOURNAL_SHORT = /^(\S{1,12}) {1,3}(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.\d{1,6})? (\S{1,255}) ([^\s[:]{1,128})(?:\[(\d{1,10})\])?: ?/;
const IDENT_ONLY = /^([a-z][\w.@-]{0,63})\[(\d{1,10})\]: /;
const TALOS = /^(?:<[^>]{0,64}>: )?\{"content": ?"?/;

/** Lines of one writer (host, identifier and pid): multi-line records never join across writers. */
export function sameWriter(a: Peeled, b: Peeled): boolean {
  return a.host === b.host && a.identifier === b.identifier && a.pid === b.pid;
}

export function peel(line: string): Peeled {
  const p: Peeled = {
    payload: line, envelopes: [], identifier: '', pid: -1, host: '', time: '', shortDate: null,
    syslogSeverity: -1, facility: -1, msgid: '', structuredData: '',
  };
  let text = line;
  const first = text.charCodeAt(0);
  // CI consoles: "13:44:30 # " (Jenkins, bats) or "2025-02-11T12:11:34.1020857Z # " (GitHub Actions).
  if (first >= 48 && first <= 57) {
    const ci = CI_PREFIX.exec(text);
    if (ci !== null) {
      p.envelopes.push('ci');
      text = text.slice(ci[0].length);
    }
  }
  if (text.charCodeAt(0) === 60 /* < */) {
    const m5 = RFC5424.exec(text);
    if (m5 !== null && +m5[1]! < 192) {
      p.envelopes.push('syslog-rfc5424');
      setPri(p, +m5[1]!);
      if (m5[2] !== '-') p.time = parseTimestamp(m5[2]!);
      if (m5[3] !== '-') p.host = m5[3]!;
      if (m5[4] !== '-') p.identifier = m5[4]!;
      if (m5[5] !== '-' && /^\d{1,10}$/.test(m5[5]!)) p.pid = +m5[5]!;
      if (m5[6] !== '-') p.msgid = m5[6]!;
      if (m5[7] !== '-') p.structuredData = m5[7]!;
      text = text.slice(m5[0].length);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // RFC 5424 BOM before a UTF-8 MSG
      return finish(p, text);
    }
    const m3 = RFC3164.exec(text);
    if (m3 !== null && +m3[1]! < 192) {
      const month = monthIndex(m3[2]!);
      if (month >= 0) {
        p.envelopes.push('syslog-rfc3164');
        setPri(p, +m3[1]!);
        p.shortDate = [month, +m3[3]!, m3[4]!];
        if (m3[5] !== undefined) p.host = m3[5];
        p.identifier = m3[6]!;
        if (m3[7] !== undefined) p.pid = +m3[7];
        return finish(p, text.slice(m3[0].length));
      }
    }
  }
  // Bare records (JSON, logfmt, printk) are most of a console stream: skip the prefix regexes.
  const c0 = text.charCodeAt(0);
  if (c0 === 123 /* { */ || c0 === 91 /* [ */ || c0 === 32 || text.startsWith('time=') || text.startsWith('level=')) {
    if (c0 === 123 && text.startsWith('{"content":')) {
      const t = TALOS.exec(text);
      if (t !== null) return peelTalos(p, text, t[0].length);
    }
    return finish(p, text);
  }
  if (peelJournalShort(p, text)) return p;
  const io = IDENT_ONLY.exec(text);
  if (io !== null) {
    p.envelopes.push('journal-ident');
    p.identifier = io[1]!;
    p.pid = +io[2]!;
    return finish(p, text.slice(io[0].length));
  }
  // Talos: `{"content": ...` or, as pasted, `<ip>: {"content": ...`; gated on the first character
  // so ordinary lines are not scanned.
  const f = text.charCodeAt(0);
  if ((f === 123 || f === 60) && text.indexOf('{"content":') >= 0) {
    const t = TALOS.exec(text);
    if (t !== null) return peelTalos(p, text, t[0].length);
  }
  return finish(p, text);
}

/** `\s` of a JavaScript regular expression. */
function isRegexSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `Nov`, `nov` and the other English abbreviations, by their three character codes. */
const MONTH_CODES = new Map<number, number>();
for (let i = 0; i < MONTHS_EN.length; i++) {
  const m = MONTHS_EN[i]!;
  const lower = m.charCodeAt(0) * 65536 + m.charCodeAt(1) * 256 + m.charCodeAt(2);
  MONTH_CODES.set(lower, i);
  MONTH_CODES.set(lower - 32 * 65536, i);
}

/**
 * The journalctl short prefix, `Mon DD HH:MM:SS[.ffffff] host ident[pid]: `, read by hand: it
 * accepts exactly what this expression does (the regex it replaced, kept as the reference):
 * `^(\S{1,12}) {1,3}(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.\d{1,6})? (\S{1,255}) ([^\s[:]{1,128})(?:\[(\d{1,10})\])?: ?`
 * with the first group a month name. Every journal line comes through here.
 */
export const JOURNAL_SHORT_REFERENCE = JOURNAL_SHORT;

/**
 * The date part of the last journal prefix read (`Nov 20 06:00:00 `, up to the host) and
 * what it says. Consecutive lines mostly share it: a line that starts with the same text
 * gets the same date (the very same tuple) without reading it again.
 */
let lastDate = '';
let lastShortDate: [number, number, string] | null = null;
/** Recent hosts and identifiers of journal prefixes: the same few on every line. */
const RECENT_HOSTS: string[] = [];
const RECENT_IDENTS: string[] = [];
let nextHost = 0;
let nextIdent = 0;

/**
 * The text of `s` as a string of its own, from the engine's table of property names: a
 * cache should not keep the whole line a slice refers into alive, and the host and
 * identifier of every record then are the same few strings, whose hash the engine keeps
 * (they are looked up in tables per record).
 */
function flatCopy(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

function remember(list: string[], next: number, value: string, max: number): number {
  if (list.length < max) {
    list.push(value);
    return next;
  }
  list[next] = value;
  return (next + 1) % max;
}

function peelJournalShort(p: Peeled, text: string): boolean {
  const n = text.length;
  let i = 0;
  let c = 0;
  let shortDate: [number, number, string];
  if (lastShortDate !== null && text.startsWith(lastDate)) {
    shortDate = lastShortDate;
    i = lastDate.length;
  } else {
    // Month: a run of 1-12 non-space characters, then 1-3 spaces.
    while (i < n && !isRegexSpace(text.charCodeAt(i))) i++;
    const monthEnd = i;
    if (monthEnd === 0 || monthEnd > 12 || text.charCodeAt(i) !== 32) return false;
    i++;
    while (text.charCodeAt(i) === 32) i++;
    if (i - monthEnd > 3) return false;
    // Day: 1-2 digits, a space.
    c = text.charCodeAt(i);
    if (!isDigit(c)) return false;
    let day = c - 48;
    c = text.charCodeAt(++i);
    if (isDigit(c)) {
      day = day * 10 + c - 48;
      c = text.charCodeAt(++i);
    }
    if (c !== 32) return false;
    i++;
    // HH:MM:SS, an optional fraction of 1-6 digits, a space.
    const hmsStart = i;
    if (!isDigit(text.charCodeAt(i)) || !isDigit(text.charCodeAt(i + 1)) || text.charCodeAt(i + 2) !== 58 ||
        !isDigit(text.charCodeAt(i + 3)) || !isDigit(text.charCodeAt(i + 4)) || text.charCodeAt(i + 5) !== 58 ||
        !isDigit(text.charCodeAt(i + 6)) || !isDigit(text.charCodeAt(i + 7))) return false;
    i += 8;
    if (text.charCodeAt(i) === 46 /* . */) {
      const f = ++i;
      while (isDigit(text.charCodeAt(i))) i++;
      if (i === f || i - f > 6) return false;
    }
    if (text.charCodeAt(i) !== 32) return false;
    i++;
    const c0 = text.charCodeAt(0);
    const c1 = text.charCodeAt(1);
    const c2 = text.charCodeAt(2);
    const month = monthEnd === 3 && c0 < 128 && c1 < 128 && c2 < 128
      ? MONTH_CODES.get(c0 * 65536 + c1 * 256 + c2) ?? monthIndex(text.slice(0, 3))
      : monthIndex(text.slice(0, monthEnd));
    // Not a month: no journal prefix, whatever follows.
    if (month < 0) return false;
    shortDate = [month, day, text.slice(hmsStart, hmsStart + 8)];
    lastDate = text.slice(0, i);
    lastShortDate = shortDate;
  }
  // Host: 1-255 non-space characters, a space.
  const hostStart = i;
  let host: string | undefined;
  for (let k = 0; k < RECENT_HOSTS.length; k++) {
    const h = RECENT_HOSTS[k]!;
    if (text.charCodeAt(i + h.length) === 32 && text.startsWith(h, i)) {
      host = h;
      break;
    }
  }
  if (host === undefined) {
    while (i < n && !isRegexSpace(text.charCodeAt(i))) i++;
    if (i === hostStart || i - hostStart > 255 || text.charCodeAt(i) !== 32) return false;
    host = flatCopy(text.slice(hostStart, i));
    nextHost = remember(RECENT_HOSTS, nextHost, host, 4);
  }
  i = hostStart + host.length + 1;
  // Identifier: 1-128 characters other than space, `[` and `:`; then `[pid]` and/or `:`.
  const identStart = i;
  let ident: string | undefined;
  for (let k = 0; k < RECENT_IDENTS.length; k++) {
    const id = RECENT_IDENTS[k]!;
    c = text.charCodeAt(i + id.length);
    if ((c === 91 || c === 58) && text.startsWith(id, i)) {
      ident = id;
      i += id.length;
      break;
    }
  }
  if (ident === undefined) {
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c === 91 /* [ */ || c === 58 /* : */ || isRegexSpace(c)) break;
    }
    if (i === identStart || i - identStart > 128 || i >= n) return false;
    ident = flatCopy(text.slice(identStart, i));
    if (c === 91 || c === 58) nextIdent = remember(RECENT_IDENTS, nextIdent, ident, 8);
  }
  let pid = -1;
  if (c === 91) {
    const d0 = ++i;
    let v = 0;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (!isDigit(c)) break;
      v = v * 10 + c - 48;
    }
    if (i === d0 || i - d0 > 10 || c !== 93 /* ] */) return false;
    pid = v;
    i++;
  }
  if (text.charCodeAt(i) !== 58) return false;
  i++;
  if (text.charCodeAt(i) === 32) i++;
  if (p.envelopes.length === 0) p.envelopes = ['journal-short'];
  else p.envelopes.push('journal-short');
  p.shortDate = shortDate;
  p.host = host;
  p.identifier = ident;
  if (pid >= 0) p.pid = pid;
  p.payload = text.slice(i);
  return true;
}

function setPri(p: Peeled, pri: number): void {
  p.facility = pri >> 3;
  p.syslogSeverity = pri & 7;
}

function finish(p: Peeled, payload: string): Peeled {
  p.payload = payload;
  return p;
}

/**
 * Talos forwards `{"content": <logfmt with \" escapes>\n","facility":0,...,"tag":"kata",}`:
 * the opening quote is missing and there is a trailing comma, so it is not JSON.
 */
function peelTalos(p: Peeled, text: string, start: number): Peeled {
  const end = text.lastIndexOf('","facility"');
  const tail = end >= 0 ? text.slice(end + 2) : '';
  let content = goUnescape(end >= 0 ? text.slice(start, end) : text.slice(start)).value;
  if (content.endsWith('\n')) content = content.slice(0, -1);
  p.envelopes.push('talos-json');
  const num = (key: string): number => {
    const m = new RegExp(`"${key}":(\\d{1,3})`).exec(tail);
    return m === null ? -1 : +m[1]!;
  };
  const strField = (key: string): string => new RegExp(`"${key}":"([^"]{0,255})"`).exec(tail)?.[1] ?? '';
  p.facility = num('facility');
  p.syslogSeverity = num('severity');
  p.host = strField('hostname');
  p.identifier = strField('tag');
  return finish(p, content);
}
