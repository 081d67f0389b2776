/**
 * Peels the wrappers that transport adds in front of a Kata record: CI console
 * prefixes, syslog RFC 5424 / RFC 3164 headers, journalctl's short prefix (locale month
 * names included) or a bare `ident[pid]: `, and Talos's syslog JSON. What is left is the
 * payload the format parsers read; what was peeled becomes attributes.
 */
import { monthIndex, parseTimestamp } from '../../pdata/time';
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
  const js = JOURNAL_SHORT.exec(text);
  if (js !== null) {
    const month = monthIndex(js[1]!);
    if (month >= 0) {
      p.envelopes.push('journal-short');
      p.shortDate = [month, +js[2]!, js[3]!];
      p.host = js[4]!;
      p.identifier = js[5]!;
      if (js[6] !== undefined) p.pid = +js[6];
      return finish(p, text.slice(js[0].length));
    }
  }
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
