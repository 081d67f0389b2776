/**
 * The Kata parser: one logical entry (see recombine.ts) in, one OpenTelemetry log record
 * out. Format detection is per entry, by the first characters of the payload, so the
 * common formats cost one switch. Nothing is dropped: text no parser recognises becomes
 * a record of component `unknown` with the raw text as body and kata.parse.status=failed.
 */
import type { AttributeValue, Attributes, LogRecord } from '../../pdata/log-record';
import { emptyRecord, Severity } from '../../pdata/log-record';
import type { ParseContext } from './context';
import type { Draft } from './draft';
import { addAttr, finishDraft, getAttr, hasAttr, markDamaged, newAttributes, newDraft, setAttr, setSeverity } from './draft';
import type { Entry } from './recombine';
import { extractExecIds, extractIdsFromText } from './ids';
import { K } from './keys';
import type { Component } from './keys';
import { startsLikeLogfmt } from './logfmt';
import { severityFromLevel, SYSLOG_SEVERITY, SYSLOG_SEVERITY_TEXT } from './severity';
import { millisFromNanos, nanosFromShortDate } from '../../pdata/time';
import { stripAnsi } from './unquote';
import { dropFinalCr } from './final-cr';
import { parseClientError, parseKlog, parseKubectlEvents } from './formats/container-manager';
import { parseEnvLogger, parseImagePullProgress, parsePrintk, parseSystemd } from './formats/guest';
import {
  parseCloudHypervisor, parseFirecracker, parseGoLog, parseNydusd, parseQemu, parseVirtiofsdC,
} from './formats/hypervisor';
import { agentRpc, parseJournalObject, parseJsonPayload } from './formats/json';
import { parseLogfmtRecord, parseLogrusTty } from './formats/logrus';
import { parseGoPanic, parseRustErrorChain } from './formats/multiline';
import { relayRuntimeRsMessage, VIRTIOFSD_TAG, VM_CONSOLE_TAG } from './formats/runtime-rs';

export interface ParserOptions {
  /** Adds log.record.original with the exact input text. */
  original?: boolean;
  /** Sets log.file.path on every record. */
  filePath?: string;
  /** Reference clock (ms) for timestamps without a year; defaults to now. */
  refMillis?: number;
}

/** Components implied by a syslog/journal identifier when the payload names none. */
const IDENTIFIER_COMPONENT: Record<string, Component> = {
  kata: 'runtime-rs',
  'kata-runtime': 'runtime',
  'kata-proxy': 'legacy-proxy',
  'kata-shim': 'legacy-shim',
  'kata-agent': 'agent',
  'kata-monitor': 'kata-monitor',
  'kata-hypervisor': 'hypervisor',
  'kata-ksm-throttler': 'runtime',
  'kata-vc-throttler': 'runtime',
  containerd: 'container-manager',
  crio: 'container-manager',
  kubelet: 'container-manager',
  'containerd-nydus-grpc': 'container-manager',
  virtiofsd: 'virtiofsd',
  'attestation-agent': 'guest',
  'confidential-data-hub': 'guest',
  'api-server-rest': 'guest',
};

const BANNER = /^-- (?:Logs begin at|Journal begins at|Boot [0-9a-f]|No entries|Reboot) /;
const SUPPRESSED = /^Suppressed (\d{1,12}) messages from (\S{1,512})/;
const FLUENTD_HEADER = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9} [+-]\d{4} [\w.-]{1,128}:\n/;

/** Parses any payload, detecting its format; `ctx.depth` > 0 for relayed text. */
export function dispatch(d: Draft, text: string, ctx: ParseContext): void {
  const c = text.charCodeAt(0);
  switch (c) {
    case 116 /* t */:
    case 108 /* l */:
    case 109 /* m */:
      if (startsLikeLogfmt(text)) return parseLogfmtRecord(d, text, ctx);
      break;
    case 123 /* { */:
      if (parseJsonPayload(d, text, ctx)) return;
      break;
    case 91 /* [ */:
      if (parsePrintk(d, text) || parseSystemd(d, text) || parseEnvLogger(d, text, ctx) || parseNydusd(d, text) || parseVirtiofsdC(d, text)) return;
      break;
    case 118 /* v */:
      if (text.startsWith('vmconsole=')) return parseLogfmtRecord(d, text, ctx);
      if (text.startsWith(VM_CONSOLE_TAG)) {
        // runtime-rs ≥ 3.20: `vm console: "<Rust Debug string>"` is the whole message.
        d.format = 'vm-console';
        d.component = 'runtime-rs';
        relayRuntimeRsMessage(d, text, ctx);
        return;
      }
      break;
    case 115 /* s */:
      if (text.startsWith(VIRTIOFSD_TAG)) {
        d.format = 'runtime-rs-text';
        d.component = 'runtime-rs';
        d.record.body = text;
        relayRuntimeRsMessage(d, text, ctx);
        return;
      }
      break;
    case 32 /* space */:
    case 9 /* tab */: {
      const trimmed = text.trimStart();
      if (startsLikeLogfmt(trimmed)) {
        markDamaged(d, 'partial', 'leading whitespace before logfmt');
        return parseLogfmtRecord(d, trimmed, ctx);
      }
      if (parseSystemd(d, text) || parseKubectlEvents(d, text) || parseImagePullProgress(d, text)) return;
      break;
    }
    case 27 /* ESC */:
      if (parseLogrusTty(d, text, ctx) || parseSystemd(d, text) || parseEnvLogger(d, text, ctx)) return;
      break;
    default:
      break;
  }
  // Rust errors are multi-line (recombined) and may open with any word, `Error: ` included.
  if ((c === 69 /* E */ || c === 116 /* t */ || text.indexOf('\nCaused by:') > 0) && parseRustErrorChain(d, text)) {
    return fallbackComponent(d, ctx);
  }
  if (c >= 48 && c <= 57) {
    if (parseFirecracker(d, text) || parseGoLog(d, text)) return;
    if (FLUENTD_HEADER.test(text)) {
      const nl = text.indexOf('\n');
      setAttr(d, K.LOG_ENVELOPE, [...((getAttr(d, K.LOG_ENVELOPE) as string[] | undefined) ?? []), 'fluentd']);
      return dispatch(d, text.slice(nl + 1), ctx);
    }
  } else if (c >= 65 && c <= 90) {
    if (parseLogrusTty(d, text, ctx) || parseKlog(d, text, ctx) || parseKubectlEvents(d, text) || parseClientError(d, text, ctx) || parseCloudHypervisor(d, text) || parseImagePullProgress(d, text)) return;
  } else if (c >= 97 && c <= 122) {
    if (parseCloudHypervisor(d, text) || parseQemu(d, text) || parseClientError(d, text, ctx) || parseGoPanic(d, text, ctx)) return;
  }
  if (text.startsWith('__CURSOR=')) return parseJournalExport(d, text, ctx);
  if (c === 45 && BANNER.test(text)) {
    d.format = 'journal-banner';
    d.record.body = text;
    return;
  }
  if (c === 83 /* S */) {
    const m = SUPPRESSED.exec(text);
    if (m !== null) {
      d.format = 'journal-notice';
      d.record.body = text;
      d.record.eventName = 'kata.journal.rate_limited';
      d.service = 'systemd-journald';
      setSeverity(d, Severity.WARN, '');
      setAttr(d, K.JOURNAL_SUPPRESSED_COUNT, Number(m[1]));
      setAttr(d, K.JOURNAL_UNIT, m[2]!.replace(/^.*\//, ''));
      return;
    }
  }
  parseText(d, text, ctx);
}

/** Text no format claimed: the emitter is known from the identifier, the console, or not at all. */
function parseText(d: Draft, text: string, ctx: ParseContext): void {
  d.format = 'text';
  const plain = dropFinalCr(stripAnsi(text));
  d.record.body = plain;
  if (ctx.identifier === 'kata' && !ctx.relayed) {
    // The Go shim always writes logfmt under "kata", so plain text there is runtime-rs ≥ 3.20.
    d.format = 'runtime-rs-text';
    d.component = 'runtime-rs';
    if (plain.startsWith('qemu cmd: ') || plain.indexOf('QMP') >= 0 || plain.indexOf('qmp') >= 0) setAttr(d, K.HYPERVISOR_TYPE, 'qemu');
    agentRpc(d, plain);
    return;
  }
  if (ctx.inConsole) {
    // The agent prints a few plain lines with eprintln! (`INFO: interruptable_io_copier: ...`).
    const lvl = /^(INFO|WARN|WARNING|ERROR|DEBUG|TRACE): /.exec(plain);
    if (lvl !== null) {
      d.component = 'agent';
      d.record.body = plain.slice(lvl[0].length);
      setSeverity(d, severityFromLevel(lvl[1]!), lvl[1]!);
    } else {
      d.component = 'guest';
    }
    return;
  }
  // Unstructured text inside a recognised record is the text of whoever the relay names.
  if (ctx.relayed) return;
  fallbackComponent(d, ctx);
}

function fallbackComponent(d: Draft, ctx: ParseContext): void {
  if (d.component !== 'unknown') return;
  const byIdent = IDENTIFIER_COMPONENT[ctx.identifier];
  if (byIdent !== undefined) {
    d.component = byIdent;
    if (byIdent === 'container-manager' || byIdent === 'guest') d.service = ctx.identifier;
    if (byIdent === 'hypervisor') setAttr(d, K.HYPERVISOR_TYPE, 'cloud-hypervisor');
  } else if (d.format === 'text') {
    markDamaged(d, 'failed', 'no parser recognised the text');
  }
}

/** `journalctl -o export`: KEY=value lines; a binary field is KEY, newline, 64-bit length, data. */
function parseJournalExport(d: Draft, text: string, ctx: ParseContext): void {
  const obj: Record<string, unknown> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const eq = line.indexOf('=');
    if (eq > 0) {
      obj[line.slice(0, eq)] = line.slice(eq + 1);
    } else if (line !== '' && i + 1 < lines.length) {
      // Binary-safe field; read as text after the 8-byte little-endian length.
      obj[line] = lines[i + 1]!.slice(8);
      i++;
      markDamaged(d, 'partial', `binary journal field ${line.slice(0, 64)} read as text`);
    }
  }
  parseJournalObject(d, obj, ctx, 'journal-export');
  d.format = d.format === 'unknown' ? 'journal-export' : d.format;
}

export class KataParser {
  private readonly original: boolean;
  private readonly filePath: string;
  /** Reference for year-less timestamps: the last full timestamp seen, else the given clock. */
  private yearRef: number;
  /** Journal prefixes are local time; learnt from records that also carry a zoned time. */
  private yearRefLearnt = false;
  private readonly zoneOffsets = new Map<string, number>();
  private learntAt = '';
  /** A double from the start (a clock reading), so the field never changes representation. */
  private learntMs = Number.NaN;
  private readonly twins = new TwinTable();
  /** The context of a top-level entry; nested texts get their own (context.ts). */
  private readonly ctx: ParseContext = { identifier: '', depth: 0, relayed: false, inConsole: false, refMillis: 0, dispatch };
  /** kata.parse.status of the record `parse` returned last ('' when intact), read before it is handed on. */
  lastStatus: '' | 'partial' | 'failed' = '';

  constructor(opts: ParserOptions = {}) {
    this.original = opts.original ?? false;
    this.filePath = opts.filePath ?? '';
    this.yearRef = opts.refMillis ?? Date.now();
  }

  /**
   * A full timestamp in the text tells the year for the year-less syslog dates after it,
   * and, beside the journal's local-time prefix, the host's UTC offset.
   */
  private learnClock(ms: number, shortDate: [number, number, string] | null, host: string): void {
    this.yearRef = ms;
    this.yearRefLearnt = true;
    // Lines of the same second teach the same offset: learn once per prefix time.
    if (shortDate !== null && (shortDate[2] !== this.learntAt || Math.abs(ms - this.learntMs) > 60_000)) {
      this.learntAt = shortDate[2];
      this.learntMs = ms;
      const local = Number(nanosFromShortDate(shortDate[0], shortDate[1], shortDate[2], ms + (this.zoneOffsets.get(host) ?? 0)).slice(0, -6));
      const offset = Math.round((local - ms) / 900_000) * 900_000;
      // Each host has its own zone; the table is bounded because host names come from input.
      if (Math.abs(offset) <= 14 * 3_600_000 && (this.zoneOffsets.has(host) || this.zoneOffsets.size < 1024)) this.zoneOffsets.set(host, offset);
    }
  }

  private resolveShortDate(shortDate: [number, number, string], host: string): string {
    const offset = this.zoneOffsets.get(host) ?? 0;
    // A wall clock is "now": no log line is from the future. A time learnt from the log is
    // behind what follows it, so later dates within most of a year keep its year.
    const ahead = this.yearRefLearnt ? 300 * 86_400_000 : 86_400_000;
    const local = nanosFromShortDate(shortDate[0], shortDate[1], shortDate[2], this.yearRef + offset, ahead);
    if (local === '' || offset === 0) return local;
    return String(BigInt(local) - BigInt(offset) * 1_000_000n);
  }

  /**
   * The Go shim's records reach the journal twice, as `kata[pid]` and again through
   * `containerd[pid]`, with the same text: the second copy is stamped from the first
   * instead of parsed again. Only self-describing logrus records qualify (their own
   * `name`/`source` decide the component, so the identifier cannot change the result),
   * behind a journal prefix without syslog priority, on the same host.
   */
  private twinCandidate(entry: Entry): boolean {
    const p = entry.peeled;
    const text = entry.text;
    if (entry.raw.length !== 1 || entry.split || entry.repaired !== '' || p.facility >= 0 || p.envelopes.length === 0) return false;
    return text.length >= 64 && text.charCodeAt(0) === 116 && text.startsWith('time=');
  }

  /** The part of the qualification that reads the whole text: checked when a first copy is kept. */
  private static selfDescribing(text: string): boolean {
    return text.indexOf(' name=') >= 0 || text.indexOf(' source=') >= 0;
  }

  private fromTwin(twin: Twin, entry: Entry, observedTimeUnixNano: string): LogRecord {
    const p = entry.peeled;
    // The first copy's attributes in their order, with this copy's envelope, identifier,
    // (envelope) pid, line number and original text; as if assigned over a copy of them.
    const keys = twin.keys;
    const vals = twin.vals;
    const attrs = newAttributes(twin.randomOrder);
    let seen = 0;
    for (let i = 0; i < twin.n; i++) {
      const k = keys[i]!;
      let v: AttributeValue = vals[i]!;
      if (k === K.LOG_ENVELOPE) {
        v = p.envelopes.slice();
        seen |= 1;
      } else if (k === K.LOG_IDENTIFIER) {
        if (p.identifier === '') continue;
        v = p.identifier;
        seen |= 2;
      } else if (k === K.PROCESS_PID && twin.pidFromEnvelope) {
        if (p.pid < 0) continue;
        v = p.pid;
        seen |= 4;
      } else if (k === K.LOG_LINE_NUMBER) {
        v = entry.lineNumber;
        seen |= 8;
      } else if (k === K.LOG_RECORD_ORIGINAL && this.original) {
        v = entry.raw[0]!;
        seen |= 16;
      }
      attrs[k] = v;
    }
    if ((seen & 1) === 0) attrs[K.LOG_ENVELOPE] = p.envelopes.slice();
    if ((seen & 2) === 0 && p.identifier !== '') attrs[K.LOG_IDENTIFIER] = p.identifier;
    if ((seen & 4) === 0 && twin.pidFromEnvelope && p.pid >= 0) attrs[K.PROCESS_PID] = p.pid;
    if ((seen & 8) === 0) attrs[K.LOG_LINE_NUMBER] = entry.lineNumber;
    if ((seen & 16) === 0 && this.original) attrs[K.LOG_RECORD_ORIGINAL] = entry.raw[0]!;
    if (twin.timeUnixNano !== '0') this.learnClock(twin.ms, p.shortDate, p.host);
    return {
      timeUnixNano: twin.timeUnixNano,
      observedTimeUnixNano,
      severityNumber: twin.severityNumber,
      severityText: twin.severityText,
      body: twin.body,
      eventName: twin.eventName,
      traceId: twin.traceId,
      spanId: twin.spanId,
      attributes: attrs,
      resource: twin.resource,
    };
  }

  /** Parses one recombined entry. Never throws: a parser fault becomes a failed record. */
  parse(entry: Entry, observedTimeUnixNano: string): LogRecord {
    const candidate = this.twinCandidate(entry);
    const key = candidate ? twinKey(entry.text) : 0;
    if (candidate) {
      const twin = this.twins.take(key, entry.peeled.host, entry.text);
      if (twin !== undefined) {
        this.lastStatus = '';
        return this.fromTwin(twin, entry, observedTimeUnixNano);
      }
    }
    const record = emptyRecord(observedTimeUnixNano);
    const d = newDraft(record);
    const p = entry.peeled;
    let pidFromEnvelope = false;
    try {
      if (p.envelopes.length > 0) setAttr(d, K.LOG_ENVELOPE, p.envelopes.slice());
      if (p.identifier !== '') setAttr(d, K.LOG_IDENTIFIER, p.identifier);
      if (p.host !== '') d.host = p.host;
      const ctx = this.ctx;
      ctx.identifier = p.identifier;
      ctx.refMillis = this.yearRef;
      dispatch(d, entry.text, ctx);
      pidFromEnvelope = p.pid >= 0 && !hasAttr(d, K.PROCESS_PID);
      if (pidFromEnvelope) setAttr(d, K.PROCESS_PID, p.pid);
      if (record.timeUnixNano === '0' && (p.time !== '' || p.shortDate !== null)) {
        record.timeUnixNano = (p.shortDate === null ? p.time : this.resolveShortDate(p.shortDate, p.host)) || '0';
      } else if (record.timeUnixNano !== '0' && record.timeUnixNano.length > 9) {
        this.learnClock(millisFromNanos(record.timeUnixNano), p.shortDate, p.host);
      }
      if (record.severityNumber === Severity.UNSPECIFIED && p.syslogSeverity >= 0 && record.severityText === '') {
        record.severityNumber = SYSLOG_SEVERITY[p.syslogSeverity]!;
        record.severityText = SYSLOG_SEVERITY_TEXT[p.syslogSeverity]!;
      }
      if (p.facility >= 0) setAttr(d, K.SYSLOG_FACILITY, p.facility);
      if (p.msgid !== '') setAttr(d, K.SYSLOG_MSGID, p.msgid);
      if (p.structuredData !== '') setAttr(d, K.SYSLOG_STRUCTURED_DATA, p.structuredData);
      extractIdsFromText(entry.text, d);
      if (record.body.startsWith('do_exec_process ')) extractExecIds(record.body, d);
      if (d.status === 'failed') {
        // Nothing usable was recognised: the raw text is the record, from no known emitter.
        record.body = entry.raw.join('\n');
        d.component = 'unknown';
      }
    } catch (err) {
      // A parser bug must not lose the line: keep it raw and say what broke.
      d.format = 'unknown';
      d.component = 'unknown';
      record.body = entry.raw.join('\n');
      markDamaged(d, 'failed', `internal parser error: ${(err as Error).message}`);
    }
    if (entry.split) markDamaged(d, 'partial', 'record cut at the multi-line size limit');
    if (entry.repaired !== '') markDamaged(d, 'partial', entry.repaired);
    if (entry.raw.length > 1) setAttr(d, K.PARSE_LINE_COUNT, entry.raw.length);
    if (this.filePath !== '') setAttr(d, K.LOG_FILE_PATH, this.filePath);
    // Set here only, so added without looking for it first.
    addAttr(d, K.LOG_LINE_NUMBER, entry.lineNumber);
    if (this.original) setAttr(d, K.LOG_RECORD_ORIGINAL, entry.raw.join('\n'));
    const done = finishDraft(d);
    this.lastStatus = d.status;
    // A twin found above was kept with the same text, so it passed selfDescribing too.
    if (candidate && d.status === '' && (d.selfDescribed || KataParser.selfDescribing(entry.text))) {
      // A snapshot: processors downstream may change the record handed out. The attribute
      // arrays are the draft's own, which nothing else holds.
      this.twins.add({
        key, host: entry.peeled.host, text: entry.text, keys: d.keys, vals: d.vals, n: d.n, randomOrder: d.randomOrder, pidFromEnvelope,
        timeUnixNano: done.timeUnixNano, severityNumber: done.severityNumber, severityText: done.severityText, body: done.body,
        eventName: done.eventName, traceId: done.traceId, spanId: done.spanId, resource: done.resource,
        ms: done.timeUnixNano !== '0' ? millisFromNanos(done.timeUnixNano) : 0,
        chain: undefined, older: undefined, newer: undefined,
      });
    }
    return done;
  }
}

/** What a first copy leaves for its twin: the record as it was handed out. */
interface Twin {
  key: number;
  host: string;
  text: string;
  keys: string[];
  vals: AttributeValue[];
  n: number;
  randomOrder: boolean;
  pidFromEnvelope: boolean;
  timeUnixNano: string;
  /** millisFromNanos(timeUnixNano), for the clock learning of the second copy. */
  ms: number;
  severityNumber: number;
  severityText: string;
  body: string;
  eventName: string;
  traceId: string;
  spanId: string;
  resource: Readonly<Attributes>;
  /** Next twin whose text has the same head (see TwinTable). */
  chain: Twin | undefined;
  /** Insertion order, oldest first. */
  older: Twin | undefined;
  newer: Twin | undefined;
}

/**
 * The number that indexes a text in the twin table: its length and the characters that
 * hold the microseconds of a logrus record's `time="…"`, so that a lookup reads six
 * characters and computes no string hash.
 */
export function twinKey(text: string): number {
  // Called for texts of 64 characters or more.
  let h = text.length;
  for (let i = 29; i < 35; i++) h = (h * 31 + text.charCodeAt(i)) & 0x3fffffff;
  return h;
}

/**
 * First copies waiting for their journal twin, matched on host and whole text. The twin
 * follows within a few lines, so at most 64 wait; the oldest is dropped first. Indexed by
 * twinKey (mostly unique: the time to the nanosecond); texts of the same key are chained,
 * and the whole text is compared only for a candidate.
 */
class TwinTable {
  private static readonly MAX = 64;
  private readonly byKey = new Map<number, Twin>();
  private oldest: Twin | undefined;
  private newest: Twin | undefined;
  private size = 0;

  /** The waiting twin of this host and text, removed from the table; undefined when none. */
  take(key: number, host: string, text: string): Twin | undefined {
    let prev: Twin | undefined;
    for (let t = this.byKey.get(key); t !== undefined; prev = t, t = t.chain) {
      if (t.text === text && t.host === host) {
        this.remove(t, prev);
        return t;
      }
    }
    return undefined;
  }

  add(t: Twin): void {
    t.chain = this.byKey.get(t.key);
    t.older = this.newest;
    this.byKey.set(t.key, t);
    if (this.newest !== undefined) this.newest.newer = t;
    else this.oldest = t;
    this.newest = t;
    if (++this.size > TwinTable.MAX) {
      const o = this.oldest!;
      let prev: Twin | undefined;
      for (let c = this.byKey.get(o.key); c !== o && c !== undefined; c = c.chain) prev = c;
      this.remove(o, prev);
    }
  }

  private remove(t: Twin, prevInChain: Twin | undefined): void {
    if (prevInChain !== undefined) prevInChain.chain = t.chain;
    else if (t.chain !== undefined) this.byKey.set(t.key, t.chain);
    else this.byKey.delete(t.key);
    if (t.older !== undefined) t.older.newer = t.newer;
    else this.oldest = t.newer;
    if (t.newer !== undefined) t.newer.older = t.older;
    else this.newest = t.older;
    t.chain = t.older = t.newer = undefined;
    this.size--;
  }
}
