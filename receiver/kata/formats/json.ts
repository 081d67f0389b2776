/**
 * JSON lines: kata-agent and runtime-rs slog records (all values strings, keys in any
 * order after msg/level/ts), agent JSON nested in runtime-rs's msg, nydus snapshotter
 * logrus JSON, and `journalctl -o json` records (whose MESSAGE is parsed again).
 * Damaged JSON (a raw newline inside a string, unescaped inner quotes) is repaired
 * where possible, else the fields a regex can still read are kept.
 */
import { nanosFromMicrosString, parseTimestamp } from '../../../pdata/time';
import type { ParseContext } from '../context';
import { MAX_DEPTH, nested } from '../context';
import type { Draft } from '../draft';
import { beginRelay, endRelay, getAttr, hasAttr, markDamaged, setAttr, setAttrOnce, setSeverity } from '../draft';
import { applyField, applyFieldHashed, fieldKey, keyHash } from '../fields';
import { isHex64 } from '../ids';
import { K } from '../keys';
import { severityFromLevel, SYSLOG_SEVERITY, SYSLOG_SEVERITY_TEXT } from '../severity';
import { escapedJsonEnd, scanEscapedJsonInto } from './escaped-json';
import type { FlatJson } from './flat-json';
import { plainEscapedEnd, plainEscapedString } from './json-string';
import { addFlatPair, flatJsonScratch, newFlatJson } from './flat-json';
import { relayRuntimeRsMessage } from './runtime-rs';

type Json = Record<string, unknown>;

function tryParse(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The rest of a JSON string from its first character: through the quote that closes it. */
const STRING_REST = /[^"\\]*(?:\\[^][^"\\]*)*"/y;

/** Raw control characters make a JSON text invalid. */
const CONTROL = /[\u0000-\u001f]/;

/**
 * A slog record is a flat object of string values written without spaces. Such text is
 * read here without building an object: the keys and values in order, or null for any
 * other text (which then goes to JSON.parse, so the result is the same either way). A
 * value with escapes is decoded by JSON.parse of just that string. Keys that JSON.parse
 * would reorder (array indexes) or merge (duplicates) also give null.
 */
export function scanFlatJson(text: string): { keys: string[]; vals: string[]; hashes: number[] } | null {
  const out = newFlatJson();
  const count = scanFlatJsonInto(text, out, null);
  return count < 0 ? null : { keys: out.keys.slice(0, count), vals: out.vals.slice(0, count), hashes: out.hashes.slice(0, count) };
}

/**
 * scanFlatJson into reused arrays: the number of pairs, or -1 for text it does not read.
 * With `inner`, a msg holding an escaped JSON object is read into it in place.
 */
function scanFlatJsonInto(text: string, out: FlatJson, inner: FlatJson | null): number {
  const n = text.length;
  if (n < 8 || text.charCodeAt(0) !== 123 || text.charCodeAt(1) !== 34 || text.charCodeAt(n - 1) !== 125) return -1;
  if (CONTROL.test(text)) return -1;
  const keys = out.keys;
  const vals = out.vals;
  const hashes = out.hashes;
  let count = 0;
  out.nestedAt = -1;
  let bs = text.indexOf('\\');
  if (bs < 0) bs = n;
  // At the opening quote of a key.
  let i = 1;
  for (;;) {
    const c0 = text.charCodeAt(i + 1);
    if (c0 >= 48 && c0 <= 57) return -1;
    // Keys are short: the loop that hashes a key also finds its closing quote. A key with a
    // backslash or without a closing quote is not read here.
    let ke = i + 1;
    let h = 0;
    for (let c = c0; c !== 34; c = text.charCodeAt(++ke)) {
      if (ke >= n || c === 92) return -1;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (text.charCodeAt(ke + 1) !== 58 || text.charCodeAt(ke + 2) !== 34) return -1;
    const key = text.slice(i + 1, ke);
    const vs = ke + 3;
    let ve = text.indexOf('"', vs);
    if (ve < 0) return -1;
    let value: string;
    if (bs === vs + 1 && inner !== null && h === H_MSG && out.nestedAt < 0 && text.charCodeAt(vs) === 123 && text.charCodeAt(vs + 2) === 34 && key === 'msg' && (inner.nestedCount = scanEscapedJsonInto(text, vs, inner)) >= 0) {
      ve = escapedJsonEnd;
      value = '';
      out.nestedAt = count;
      out.msgStart = vs;
      out.msgEnd = ve;
      bs = text.indexOf('\\', ve + 1);
      if (bs < 0) bs = n;
    } else if (bs < ve) {
      const plain = plainEscapedString(text, vs, bs);
      if (plain !== undefined) {
        value = plain;
        ve = plainEscapedEnd;
      } else {
        // The string ends at the first quote that no backslash escapes.
        STRING_REST.lastIndex = vs;
        if (!STRING_REST.test(text)) return -1;
        ve = STRING_REST.lastIndex - 1;
        try {
          value = JSON.parse(text.slice(vs - 1, ve + 1)) as string;
        } catch {
          return -1;
        }
      }
      bs = text.indexOf('\\', ve + 1);
      if (bs < 0) bs = n;
    } else {
      value = text.slice(vs, ve);
    }
    if ((count = addFlatPair(out, count, key, h, value)) < 0) return -1;
    const c = text.charCodeAt(ve + 1);
    if (c === 44 /* , */ && text.charCodeAt(ve + 2) === 34) {
      i = ve + 2;
      continue;
    }
    return c === 125 && ve + 2 === n ? count : -1;
  }
}

/** Returns false when the text is not JSON at all (the caller tries other formats). */
export function parseJsonPayload(d: Draft, text: string, ctx: ParseContext): boolean {
  const flat = flatJsonScratch(ctx.depth);
  const count = scanFlatJsonInto(text, flat, flatJsonScratch(ctx.depth + 1));
  if (count >= 0 && !isJournalKeys(flat, count)) {
    parseFlatRecord(d, flat, count, ctx, text);
    return true;
  }
  let obj = tryParse(text);
  if (obj === undefined && text.indexOf('\n') >= 0) {
    // A console wrap put a raw newline inside a string value (SE guest agent record).
    obj = tryParse(text.replace(/\r?\n/g, ''));
    if (obj !== undefined) markDamaged(d, 'partial', 'raw newline inside JSON string removed');
  }
  if (obj === undefined) return salvageJson(d, text, ctx);
  if (isJournalEntry(obj)) {
    parseJournalObject(d, obj, ctx, 'journal-json');
    return true;
  }
  parseJsonRecord(d, obj, ctx);
  return true;
}

/** A `journalctl -o json` entry: MESSAGE may be missing (too large without --all), the trusted fields are not. */
function isJournalEntry(obj: Json): boolean {
  return 'MESSAGE' in obj || '__CURSOR' in obj || '__REALTIME_TIMESTAMP' in obj || ('SYSLOG_IDENTIFIER' in obj && '_PID' in obj);
}

const H_JOURNAL_MESSAGE = keyHash('MESSAGE');
const H_CURSOR = keyHash('__CURSOR');
const H_REALTIME = keyHash('__REALTIME_TIMESTAMP');
const H_SYSLOG_IDENTIFIER = keyHash('SYSLOG_IDENTIFIER');

/** isJournalEntry for scanned keys (any of them sends the text down the object path); by hash first, as parseFlatRecord reads keys. */
function isJournalKeys(flat: FlatJson, count: number): boolean {
  const hashes = flat.hashes;
  for (let i = 0; i < count; i++) {
    const h = hashes[i];
    if (h !== H_JOURNAL_MESSAGE && h !== H_CURSOR && h !== H_REALTIME && h !== H_SYSLOG_IDENTIFIER) continue;
    const k = flat.keys[i]!;
    if (k === 'MESSAGE' || k === '__CURSOR' || k === '__REALTIME_TIMESTAMP' || k === 'SYSLOG_IDENTIFIER') return true;
  }
  return false;
}

/** slog's level names; logrus JSON (containerd, nydus) writes lower-case words. */
const SLOG_LEVELS = new Set(['TRCE', 'DEBG', 'INFO', 'WARN', 'ERRO', 'CRIT']);

function parseJsonRecord(d: Draft, obj: Json, ctx: ParseContext): void {
  const keys: string[] = [];
  const vals: string[] = [];
  for (const key in obj) {
    keys.push(key);
    vals.push(str(obj[key]));
  }
  // slog writes msg, level, ts; a hand-edited copy may lose ts but keeps slog's level names.
  const level = str(obj['level']);
  const isSlog = 'msg' in obj && ('ts' in obj || SLOG_LEVELS.has(level));
  const msg = str(obj['msg'] ?? obj['message']);
  const ts = str(obj['ts'] ?? obj['time']);
  parseJsonFields(d, keys, vals, null, keys.length, str(obj['name']), str(obj['source']), level, isSlog, msg, ts, typeof obj['time'] === 'string', obj['daemon'] !== undefined, ctx, null);
}

/** parseJsonRecord for scanned text: every value is a string. */
const H_NAME = keyHash('name');
const H_SOURCE = keyHash('source');
const H_LEVEL = keyHash('level');
const H_MSG = keyHash('msg');
const H_MESSAGE = keyHash('message');
const H_TS = keyHash('ts');
const H_TIME = keyHash('time');
const H_DAEMON = keyHash('daemon');

function parseFlatRecord(d: Draft, flat: FlatJson, count: number, ctx: ParseContext, text: string): void {
  const keys = flat.keys;
  const vals = flat.vals;
  const hashes = flat.hashes;
  let inner: FlatJson | null = null;
  let name = '';
  let source = '';
  let level = '';
  let msg: string | undefined;
  let message: string | undefined;
  let ts: string | undefined;
  let time: string | undefined;
  let daemon = false;
  for (let i = 0; i < count; i++) {
    // By the key's hash first: most keys are none of these, and a number compares cheaply.
    switch (hashes[i]) {
      case H_NAME: if (keys[i] === 'name') name = vals[i]!; break;
      case H_SOURCE: if (keys[i] === 'source') source = vals[i]!; break;
      case H_LEVEL: if (keys[i] === 'level') level = vals[i]!; break;
      case H_MSG:
        if (keys[i] !== 'msg') break;
        if (i === flat.nestedAt) {
          // Still escaped: parseJsonFields decodes it only when no relay replaces it.
          msg = text.slice(flat.msgStart, flat.msgEnd);
          inner = flatJsonScratch(ctx.depth + 1);
        } else {
          msg = vals[i]!;
        }
        break;
      case H_MESSAGE: if (keys[i] === 'message') message = vals[i]!; break;
      case H_TS: if (keys[i] === 'ts') ts = vals[i]!; break;
      case H_TIME: if (keys[i] === 'time') time = vals[i]!; break;
      case H_DAEMON: if (keys[i] === 'daemon') daemon = true; break;
      default: break;
    }
  }
  const isSlog = msg !== undefined && (ts !== undefined || SLOG_LEVELS.has(level));
  parseJsonFields(d, keys, vals, hashes, count, name, source, level, isSlog, msg ?? message ?? '', ts ?? time ?? '', time !== undefined, daemon, ctx, inner);
}

function parseJsonFields(
  d: Draft, keys: string[], vals: string[], hashes: number[] | null, count: number, name: string, source: string, level: string, isSlog: boolean, msg: string, ts: string,
  timeIsString: boolean, hasDaemon: boolean, ctx: ParseContext, inner: FlatJson | null,
): void {
  d.format = isSlog ? 'slog-json' : 'json';
  // slog's keys come in a random order: see newAttributes.
  if (isSlog) d.randomOrder = true;
  d.record.body = msg;
  if (level !== '') setSeverity(d, severityFromLevel(level), level);
  if (ts !== '') {
    d.timeText = ts;
    const ns = parseTimestamp(ts);
    if (ns === '') markDamaged(d, 'partial', 'unparseable time');
    else d.record.timeUnixNano = ns;
  }
  for (let i = 0; i < count; i++) {
    const key = keys[i]!;
    if (key === 'msg' || key === 'level' || key === 'ts' || key === 'time' || key === 'message') continue;
    if (key === 'source' && name === 'kata-runtime' && isHex64(source)) {
      // runtime-rs names its logger after the sandbox: source is the sandbox id.
      setAttr(d, K.SOURCE, source);
      setAttr(d, K.SANDBOX_ID, source);
      continue;
    }
    if (hashes !== null) applyFieldHashed(d, key, hashes[i]!, vals[i]!);
    else applyField(d, key, vals[i]!);
  }
  if (name === 'kata-agent' || source === 'agent') d.component = 'agent';
  else if (name === 'kata-agent-ctl') {
    d.component = 'agent';
    d.service = 'kata-agent-ctl';
  } else if (name === 'kata-runtime' || (ctx.identifier === 'kata' && isSlog)) d.component = 'runtime-rs';
  else if (name === 'kata-trace-forwarder') {
    d.component = 'agent';
    d.service = 'kata-trace-forwarder';
  } else if (ctx.identifier === 'containerd-nydus-grpc' || /nydus/i.test(msg)) {
    d.component = 'container-manager';
    d.service = 'nydus-snapshotter';
  } else if (ctx.inConsole) d.component = 'guest';
  else if (!isSlog && level !== '' && level === level.toLowerCase() && timeIsString) {
    // logrus JSONFormatter: the Go container stack (containerd, CRI-O, nydus snapshotter).
    d.component = 'container-manager';
    if (hasDaemon) d.service = 'nydus-snapshotter';
    else if (ctx.identifier !== '') d.service = ctx.identifier;
  }
  agentRpc(d, msg);
  // runtime-rs ≤3.19 logs agent lines, console lines and virtiofsd output as its own msg.
  if (inner !== null) {
    // An escaped msg (see parseFlatRecord) reads as its decoded text in everything above:
    // with only `\"` and `\\` escapes, no search there could match across an escape.
    if (d.component === 'runtime-rs' && ctx.depth < MAX_DEPTH) {
      // relayRuntimeRsMessage of a msg that opens with `{`.
      relayEscapedJson(d, inner, msg, ctx);
      return;
    }
    msg = JSON.parse('"' + msg + '"') as string;
    d.record.body = msg;
  }
  if (d.component === 'runtime-rs') relayRuntimeRsMessage(d, msg, ctx);
}

/**
 * Parses an object scanned in place (escaped-json.ts) as the record the current one relays
 * from the guest, as a dispatch of its decoded text would. `escaped` is the text between
 * the quotes of the string that holds it, decoded only when the object is a journal entry.
 */
export function relayEscapedJson(d: Draft, inner: FlatJson, escaped: string, ctx: ParseContext): void {
  const saved = beginRelay(d);
  const innerCtx = nested(ctx, true);
  if (!isJournalKeys(inner, inner.nestedCount)) parseFlatRecord(d, inner, inner.nestedCount, innerCtx, '');
  else ctx.dispatch(d, JSON.parse('"' + escaped + '"') as string, innerCtx);
  endRelay(d, saved);
}

/** The run of word characters that ends just before `end`, or "". */
function wordBefore(text: string, end: number): string {
  let i = end;
  while (i > 0 && end - i < 64) {
    const c = text.charCodeAt(i - 1);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) break;
    i--;
  }
  return text.slice(i, end);
}

/** The run of word characters that starts at `start`, or "". */
function wordAt(text: string, start: number): string {
  let i = start;
  while (i < text.length && i - start < 64) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) break;
    i++;
  }
  return text.slice(start, i);
}

const BLOCKED = ' is blocked by policy';
const BLOCKED_TAIL = 'blocked by policy';

/**
 * `msg.indexOf(BLOCKED)`, searched by its tail: a search starts at each occurrence of the
 * pattern's first character, and a space is in every message.
 */
function indexOfBlocked(msg: string): number {
  for (let j = msg.indexOf(BLOCKED_TAIL, 4); j >= 0; j = msg.indexOf(BLOCKED_TAIL, j + 1)) {
    if (msg.startsWith(' is ', j - 4)) return j - 4;
  }
  return -1;
}
const POLICY_CHECK = 'policy check: ';
const RPC_CALL = 'rpc call from shim to agent: "';

/**
 * The agent request a message names, for kata.agent.rpc: `<Request> is blocked by policy`
 * (agent policy denials, also nested in CRI errors), the agent's `policy check: <Request>`,
 * and `rpc call from shim to agent: "<method>"`. Substring checks only: this runs on
 * every logfmt and JSON record.
 */
export function agentRpc(d: Draft, msg: string): void {
  if (msg.length < 14 || hasAttr(d, K.AGENT_RPC)) return;
  let rpc = '';
  const blocked = indexOfBlocked(msg);
  if (blocked > 0) {
    const w = wordBefore(msg, blocked);
    if (w.endsWith('Request')) rpc = w;
  } else if (msg.startsWith(POLICY_CHECK)) {
    rpc = wordAt(msg, POLICY_CHECK.length);
  } else if (msg.startsWith(RPC_CALL)) {
    rpc = wordAt(msg, RPC_CALL.length);
  } else if (msg.startsWith('ttRPC ')) {
    const m = /^ttRPC \w+ request: (\w{1,64})/.exec(msg);
    if (m !== null) rpc = m[1]!;
  }
  if (rpc !== '') setAttr(d, K.AGENT_RPC, rpc);
}

const JOURNAL_SKIP = new Set([
  'MESSAGE', '__CURSOR', '__REALTIME_TIMESTAMP', '__MONOTONIC_TIMESTAMP', '_SOURCE_REALTIME_TIMESTAMP', 'PRIORITY',
  'SYSLOG_IDENTIFIER', '_PID', 'SYSLOG_PID', '_HOSTNAME', '_SYSTEMD_UNIT', '_TRANSPORT', '_BOOT_ID', 'SYSLOG_FACILITY',
  'SYSLOG_RAW', 'SYSLOG_TIMESTAMP', '__SEQNUM', '__SEQNUM_ID',
]);

function journalMessage(v: unknown): string {
  // journalctl -o json prints a non-UTF-8 MESSAGE as an array of byte values.
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return str(v);
}

/** A journald entry (from -o json or -o export): journald fields, then MESSAGE as a payload. */
export function parseJournalObject(d: Draft, obj: Json, ctx: ParseContext, envelope: 'journal-json' | 'journal-export'): void {
  const envelopes = (getAttr(d, K.LOG_ENVELOPE) as string[] | undefined) ?? [];
  setAttr(d, K.LOG_ENVELOPE, [...envelopes, envelope]);
  const ident = str(obj['SYSLOG_IDENTIFIER']);
  if (ident !== '') setAttr(d, K.LOG_IDENTIFIER, ident);
  const pid = str(obj['SYSLOG_PID'] ?? obj['_PID']);
  if (/^\d{1,10}$/.test(pid)) setAttr(d, K.PROCESS_PID, Number(pid));
  const host = str(obj['_HOSTNAME']);
  if (host !== '') d.host = host;
  const unit = str(obj['_SYSTEMD_UNIT']);
  if (unit !== '') setAttr(d, K.JOURNAL_UNIT, unit);
  const transport = str(obj['_TRANSPORT']);
  if (transport !== '') setAttr(d, K.JOURNAL_TRANSPORT, transport);
  const cursor = str(obj['__CURSOR']);
  if (cursor !== '') setAttr(d, K.JOURNAL_CURSOR, cursor);
  const boot = str(obj['_BOOT_ID']);
  if (boot !== '') setAttr(d, K.JOURNAL_BOOT_ID, boot);
  const journalTime = nanosFromMicrosString(str(obj['_SOURCE_REALTIME_TIMESTAMP'] ?? obj['__REALTIME_TIMESTAMP']));
  const priority = Number(str(obj['PRIORITY']));

  const hasMessage = obj['MESSAGE'] !== null && obj['MESSAGE'] !== undefined;
  if (!hasMessage) {
    // Nothing says which program wrote it (the identifier `kata` is shared by both runtimes).
    d.format = envelope;
    markDamaged(d, 'partial', 'journal entry without MESSAGE (use journalctl --all for large fields)');
  } else {
    const message = journalMessage(obj['MESSAGE']);
    // An envelope, not a relay: the MESSAGE is the record itself.
    const inner: ParseContext = { ...ctx, identifier: ident, depth: ctx.depth + 1 };
    if (ctx.depth < MAX_DEPTH) ctx.dispatch(d, message, inner);
    else d.record.body = message;
  }
  // Kata-specific fields a Fluentd logfmt filter or slog-journald adds (kata_sandbox, SUBSYSTEM...).
  for (const key in obj) {
    if (JOURNAL_SKIP.has(key) || key.startsWith('_')) continue;
    const lower = key.toLowerCase();
    const field = lower.startsWith('kata_') ? lower.slice(5) : lower;
    if (['level', 'msg', 'time', 'ts'].includes(field)) continue;
    const idKey = field === 'sandbox' ? K.SANDBOX_ID : field === 'container' ? K.CONTAINER_ID : '';
    if (idKey !== '') {
      setAttrOnce(d, idKey, str(obj[key]));
    } else if (!hasAttr(d, fieldKey(field)) && !(field in FIELD_EQUIVALENTS)) {
      applyField(d, field, str(obj[key]));
    }
  }
  if (d.record.timeUnixNano === '0' && journalTime !== '') d.record.timeUnixNano = journalTime;
  if (d.record.severityNumber === 0 && priority >= 0 && priority <= 7 && str(obj['PRIORITY']) !== '') {
    d.record.severityNumber = SYSLOG_SEVERITY[priority]!;
    d.record.severityText = SYSLOG_SEVERITY_TEXT[priority]!;
  }
}

/** Fields the MESSAGE parse already mapped under a registered key; copying them again would duplicate. */
const FIELD_EQUIVALENTS: Record<string, true> = { name: true, pid: true, source: true, subsystem: true, arch: true };

const SALVAGE_FIELD = /"(msg|level|ts|name|source|subsystem|pid)":"((?:[^"\\]|\\.){0,65536})"/g;

/** Text that opens like JSON but does not decode: keep the fields a tolerant scan can still read. */
function salvageJson(d: Draft, text: string, ctx: ParseContext): boolean {
  if (!/^\{\s*"/.test(text)) return false;
  const found: Record<string, string> = {};
  SALVAGE_FIELD.lastIndex = 0;
  for (let m = SALVAGE_FIELD.exec(text); m !== null; m = SALVAGE_FIELD.exec(text)) {
    if (found[m[1]!] === undefined) {
      try {
        found[m[1]!] = JSON.parse('"' + m[2]! + '"') as string;
      } catch {
        found[m[1]!] = m[2]!;
      }
    }
  }
  if (Object.keys(found).length === 0) return false;
  markDamaged(d, 'partial', 'invalid JSON; fields recovered by scan');
  parseJsonRecord(d, found, ctx);
  return true;
}
