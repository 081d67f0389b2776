/**
 * The Kata parser: one logical entry (see recombine.ts) in, one OpenTelemetry log record
 * out. Format detection is per entry, by the first characters of the payload, so the
 * common formats cost one switch. Nothing is dropped: text no parser recognises becomes
 * a record of component `unknown` with the raw text as body and kata.parse.status=failed.
 */
import type { LogRecord } from '../../pdata/log-record';
import { emptyRecord, Severity } from '../../pdata/log-record';
import type { ParseContext } from './context';
import type { Draft } from './draft';
import { finishDraft, markDamaged, newDraft, setSeverity } from './draft';
import type { Entry } from './recombine';
import { extractIdsFromText } from './ids';
import { K } from './keys';
import type { Component } from './keys';
import { startsLikeLogfmt } from './logfmt';
import { severityFromLevel, SYSLOG_SEVERITY, SYSLOG_SEVERITY_TEXT } from './severity';
import { nanosFromShortDate } from '../../pdata/time';
import { stripAnsi } from './unquote';
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
      d.attrs[K.LOG_ENVELOPE] = [...((d.attrs[K.LOG_ENVELOPE] as string[] | undefined) ?? []), 'fluentd'];
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
      d.attrs[K.JOURNAL_SUPPRESSED_COUNT] = Number(m[1]);
      d.attrs[K.JOURNAL_UNIT] = m[2]!.replace(/^.*\//, '');
      return;
    }
  }
  parseText(d, text, ctx);
}

/** Text no format claimed: the emitter is known from the identifier, the console, or not at all. */
function parseText(d: Draft, text: string, ctx: ParseContext): void {
  d.format = 'text';
  const plain = stripAnsi(text).replace(/\r$/, '');
  d.record.body = plain;
  if (ctx.identifier === 'kata' && !ctx.relayed) {
    // The Go shim always writes logfmt under "kata", so plain text there is runtime-rs ≥ 3.20.
    d.format = 'runtime-rs-text';
    d.component = 'runtime-rs';
    if (plain.startsWith('qemu cmd: ') || plain.indexOf('QMP') >= 0 || plain.indexOf('qmp') >= 0) d.attrs[K.HYPERVISOR_TYPE] = 'qemu';
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
    if (byIdent === 'hypervisor') d.attrs[K.HYPERVISOR_TYPE] = 'cloud-hypervisor';
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
  private learntMs = 0;
  private readonly twins = new Map<string, Twin>();

  constructor(opts: ParserOptions = {}) {
    this.original = opts.original ?? false;
    this.filePath = opts.filePath ?? '';
    this.yearRef = opts.refMillis ?? Date.now();
  }

  /**
   * A full timestamp in the text tells the year for the year-less syslog dates after it,
   * and, beside the journal's local-time prefix, the host's UTC offset.
   */
  private learnClock(ns: string, shortDate: [number, number, string] | null, host: string): void {
    const ms = Number(ns.slice(0, -6));
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
  private twinKey(entry: Entry): string {
    const p = entry.peeled;
    const text = entry.text;
    if (entry.raw.length !== 1 || entry.split || entry.repaired !== '' || p.facility >= 0 || p.envelopes.length === 0) return '';
    if (text.length < 64 || !text.startsWith('time=')) return '';
    if (text.indexOf(' name=') < 0 && text.indexOf(' source=') < 0) return '';
    return p.host + '\u0000' + text;
  }

  private fromTwin(twin: Twin, entry: Entry, observedTimeUnixNano: string): LogRecord {
    const p = entry.peeled;
    const attrs = { ...twin.record.attributes };
    attrs[K.LOG_ENVELOPE] = p.envelopes.slice();
    if (p.identifier !== '') attrs[K.LOG_IDENTIFIER] = p.identifier;
    else delete attrs[K.LOG_IDENTIFIER];
    if (twin.pidFromEnvelope) {
      if (p.pid >= 0) attrs[K.PROCESS_PID] = p.pid;
      else delete attrs[K.PROCESS_PID];
    }
    attrs[K.LOG_LINE_NUMBER] = entry.lineNumber;
    if (this.original) attrs[K.LOG_RECORD_ORIGINAL] = entry.raw[0]!;
    if (twin.record.timeUnixNano !== '0') this.learnClock(twin.record.timeUnixNano, p.shortDate, p.host);
    return { ...twin.record, observedTimeUnixNano, attributes: attrs };
  }

  /** Parses one recombined entry. Never throws: a parser fault becomes a failed record. */
  parse(entry: Entry, observedTimeUnixNano: string): LogRecord {
    const key = this.twinKey(entry);
    if (key !== '') {
      const twin = this.twins.get(key);
      if (twin !== undefined) {
        this.twins.delete(key);
        return this.fromTwin(twin, entry, observedTimeUnixNano);
      }
    }
    const record = emptyRecord(observedTimeUnixNano);
    const d = newDraft(record);
    const p = entry.peeled;
    let pidFromEnvelope = false;
    try {
      if (p.envelopes.length > 0) d.attrs[K.LOG_ENVELOPE] = p.envelopes.slice();
      if (p.identifier !== '') d.attrs[K.LOG_IDENTIFIER] = p.identifier;
      if (p.host !== '') d.host = p.host;
      const ctx: ParseContext = { identifier: p.identifier, depth: 0, relayed: false, inConsole: false, refMillis: this.yearRef, dispatch };
      dispatch(d, entry.text, ctx);
      pidFromEnvelope = p.pid >= 0 && d.attrs[K.PROCESS_PID] === undefined;
      if (pidFromEnvelope) d.attrs[K.PROCESS_PID] = p.pid;
      if (record.timeUnixNano === '0' && (p.time !== '' || p.shortDate !== null)) {
        record.timeUnixNano = (p.shortDate === null ? p.time : this.resolveShortDate(p.shortDate, p.host)) || '0';
      } else if (record.timeUnixNano !== '0' && record.timeUnixNano.length > 9) {
        this.learnClock(record.timeUnixNano, p.shortDate, p.host);
      }
      if (record.severityNumber === Severity.UNSPECIFIED && p.syslogSeverity >= 0 && record.severityText === '') {
        record.severityNumber = SYSLOG_SEVERITY[p.syslogSeverity]!;
        record.severityText = SYSLOG_SEVERITY_TEXT[p.syslogSeverity]!;
      }
      if (p.facility >= 0) d.attrs[K.SYSLOG_FACILITY] = p.facility;
      if (p.msgid !== '') d.attrs[K.SYSLOG_MSGID] = p.msgid;
      if (p.structuredData !== '') d.attrs[K.SYSLOG_STRUCTURED_DATA] = p.structuredData;
      extractIdsFromText(entry.text, d.attrs);
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
    if (entry.raw.length > 1) d.attrs[K.PARSE_LINE_COUNT] = entry.raw.length;
    if (this.filePath !== '') d.attrs[K.LOG_FILE_PATH] = this.filePath;
    d.attrs[K.LOG_LINE_NUMBER] = entry.lineNumber;
    if (this.original) d.attrs[K.LOG_RECORD_ORIGINAL] = entry.raw.join('\n');
    const done = finishDraft(d);
    if (key !== '' && d.status === '') {
      // A snapshot: processors downstream may change the record handed out.
      this.twins.set(key, { record: { ...done, attributes: { ...done.attributes } }, pidFromEnvelope });
      // The twin follows within a few lines; keep the table small and bounded.
      if (this.twins.size > 64) this.twins.delete(this.twins.keys().next().value!);
    }
    return done;
  }
}

interface Twin {
  record: LogRecord;
  pidFromEnvelope: boolean;
}
