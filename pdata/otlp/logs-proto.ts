/**
 * LogRecord[] → binary OTLP ExportLogsServiceRequest, written straight from our record
 * model into one reused scratch buffer.
 *
 * The generic route (build protobufjs's object form, then its encoder) was the largest
 * cost per record of the sidecar: ~25 short strings per record, each through protobufjs's
 * writer (an operation list, then a second pass), 64-bit times through Long.fromString, and
 * an object graph per record for the GC. Here each record is written once, in place:
 *
 * - a length-delimited field reserves the bytes its length will most likely need and moves
 *   its content when the guess was wrong (rare: a record under 128 bytes, a value over
 *   127), so nothing is measured twice;
 * - the Resource of a frozen (interned) resource object and the InstrumentationScope are
 *   encoded once and copied; attribute keys are encoded once (bounded cache);
 * - decimal nanosecond strings go to fixed64 with a digit loop, hex ids to bytes in place.
 *
 * Output is byte for byte what protobufjs writes for the object form that
 * exporter/helper/logs-encoding.ts builds (same grouping, fields in number order, proto3
 * defaults left out except inside AnyValue's oneof, which always writes the member set),
 * pinned by property tests (test/pdata/logs-proto.test.ts), with
 * one deliberate difference: a lone UTF-16 surrogate is written as U+FFFD (what Buffer
 * does), where protobufjs's own UTF-8 writer, used for strings under 40 characters, emits
 * CESU-style bytes that are not UTF-8 and that a Go backend rejects (with the whole
 * request).
 *
 * Not reentrant (one scratch buffer); encoding is synchronous, so that is safe in Node.
 */
import type { AttributeValue, Attributes, LogRecord } from '../log-record';

export interface InstrumentationScopeId {
  name: string;
  version: string;
}

const INITIAL_BUFFER = 256 * 1024;
/** A scratch buffer grown beyond this by a huge batch is dropped after use. */
const KEEP_BUFFER = 16 * 1024 * 1024;
/** Attribute keys whose encoded form is kept; beyond this, keys are written each time. */
const KEY_CACHE_MAX = 8192;
/**
 * Strings shorter than this are written by a JS loop, longer ones by Buffer#utf8Write. A
 * native call costs ~40 ns, more than a loop over a few characters; but from 13
 * characters on, a string the parser cut out of a line is a V8 sliced string (a view
 * into the line), where each charCodeAt costs several times what it costs on a flat
 * string: a loop over a 24-character value took ~185 ns there against ~70 ns for
 * utf8Write, and encoding whole records got ~20% faster with this cut.
 */
const LOOP_STRING = 13;
/** Values shorter than this take the one-pass attribute path: 3 bytes per unit, lengths of one byte. */
const SMALL_STRING = 40;
const TWO_32 = 4294967296;

// Tags (field number << 3 | wire type) of the fields written.
const T_REQ_RESOURCE_LOGS = 0x0a; // ExportLogsServiceRequest.resource_logs = 1
const T_RL_RESOURCE = 0x0a; // ResourceLogs.resource = 1
const T_RL_SCOPE_LOGS = 0x12; // ResourceLogs.scope_logs = 2
const T_RES_ATTRIBUTES = 0x0a; // Resource.attributes = 1
const T_SL_SCOPE = 0x0a; // ScopeLogs.scope = 1
const T_SL_LOG_RECORDS = 0x12; // ScopeLogs.log_records = 2
const T_SCOPE_NAME = 0x0a; // InstrumentationScope.name = 1
const T_SCOPE_VERSION = 0x12; // InstrumentationScope.version = 2
const T_LR_TIME = 0x09; // LogRecord.time_unix_nano = 1 (fixed64)
const T_LR_SEVERITY_NUMBER = 0x10; // = 2 (enum)
const T_LR_SEVERITY_TEXT = 0x1a; // = 3
const T_LR_BODY = 0x2a; // = 5
const T_LR_ATTRIBUTES = 0x32; // = 6
const T_LR_TRACE_ID = 0x4a; // = 9
const T_LR_SPAN_ID = 0x52; // = 10
const T_LR_OBSERVED_TIME = 0x59; // = 11 (fixed64)
const T_LR_EVENT_NAME = 0x62; // = 12
const T_KV_KEY = 0x0a; // KeyValue.key = 1
const T_KV_VALUE = 0x12; // KeyValue.value = 2
const T_AV_STRING = 0x0a; // AnyValue.string_value = 1
const T_AV_BOOL = 0x10; // = 2
const T_AV_INT = 0x18; // = 3 (int64)
const T_AV_DOUBLE = 0x21; // = 4
const T_AV_ARRAY = 0x2a; // = 5
const T_ARRAY_VALUES = 0x0a; // ArrayValue.values = 1

/**
 * Buffer#utf8Write (undocumented, what Buffer#write ends in) skips write()'s argument
 * juggling; it is called as a method because a wrapper function around it cost as much
 * again. Every Node release has it.
 */
type Utf8Buffer = Buffer & { utf8Write(s: string, at: number): number };
if (typeof (Buffer.prototype as Partial<Utf8Buffer>).utf8Write !== 'function') {
  throw new Error('this runtime\'s Buffer has no utf8Write; kata-otel needs Node.js >= 20.6');
}
const allocScratch = (n: number): Utf8Buffer => Buffer.allocUnsafe(n) as Utf8Buffer;

let buf: Utf8Buffer = allocScratch(INITIAL_BUFFER);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const bigger = allocScratch(size);
  buf.copy(bigger, 0, 0, pos);
  buf = bigger;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Writes unsigned 32-bit `n` at `at` (room assumed). */
function putVarint32(at: number, n: number): number {
  while (n > 0x7f) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at++] = n;
  return at;
}

function writeVarint32(n: number): void {
  ensure(5);
  pos = putVarint32(pos, n);
}

/** A 64-bit varint from its two unsigned 32-bit halves. */
function writeVarint64(lo: number, hi: number): void {
  ensure(10);
  while (hi !== 0) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  buf[pos++] = lo;
}

/** int64 (and negative int32/enum) from a JS number, as protobufjs's LongBits.fromNumber. */
function writeInt64Number(v: number): void {
  if (v >= 0 && v < TWO_32) {
    writeVarint64(v >>> 0, 0);
    return;
  }
  const neg = v < 0;
  const a = neg ? -v : v;
  let lo = a >>> 0;
  let hi = ((a - lo) / TWO_32) >>> 0;
  if (neg) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
    if (++lo > 0xffffffff) {
      lo = 0;
      if (++hi > 0xffffffff) hi = 0;
    }
  }
  writeVarint64(lo, hi);
}

function writeFixed32At(at: number, v: number): void {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = v >>> 24;
}

/** The last time converted, per field (records of one read share their observed time). */
const lastTime = ['', ''];
const lastLo = [0, 0];
const lastHi = [0, 0];

/**
 * fixed64 from a decimal string (a time in ns). Throws on a string that is not an integer.
 * The string is split into the digits above the last nine and the last nine, each exact
 * in a double, and their sum is carried into two 32-bit halves without a 64-bit type.
 * `slot` picks the remembered last value (0 event time, 1 observed time).
 */
function writeFixed64Decimal(s: string, slot: number): void {
  ensure(8);
  if (s === lastTime[slot]) {
    writeFixed32At(pos, lastLo[slot]!);
    writeFixed32At(pos + 4, lastHi[slot]!);
    pos += 8;
    return;
  }
  const n = s.length;
  if (n > 0 && n <= 20) {
    const split = n > 9 ? n - 9 : 0;
    let high = 0;
    let low = 0;
    let i = 0;
    for (; i < split; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      high = high * 10 + d;
    }
    if (i === split) {
      for (; i < n; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        low = low * 10 + d;
      }
    }
    if (i === n) {
      // high × 10^9 + low, with high = hH × 2^16 + hL (high < 10^11 < 2^37).
      const hL = high % 65536;
      const hH = (high - hL) / 65536;
      const a = hL * 1e9 + low; // < 2^47
      const aLo = a % TWO_32;
      const b = hH * 1e9; // < 2^51; b × 2^16 = bH × 2^32 + bL × 2^16
      const bL = b % 65536;
      const bH = (b - bL) / 65536;
      let lo = aLo + bL * 65536;
      let carry = 0;
      if (lo >= TWO_32) {
        lo -= TWO_32;
        carry = 1;
      }
      const hi = ((a - aLo) / TWO_32 + bH + carry) % TWO_32;
      lastTime[slot] = s;
      lastLo[slot] = lo;
      lastHi[slot] = hi;
      writeFixed32At(pos, lo);
      writeFixed32At(pos + 4, hi);
      pos += 8;
      return;
    }
  }
  // Signs, blanks, more digits: what BigInt accepts, wrapped to 64 bits.
  const b = BigInt.asUintN(64, BigInt(s));
  buf.writeBigUInt64LE(b, pos);
  pos += 8;
}

/** UTF-8 of `s` at `at` (room for 3 bytes per UTF-16 unit assumed); returns the end. Lone surrogates become U+FFFD. */
function putUtf8Short(s: string, at: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[at++] = c;
    } else if (c < 0x800) {
      buf[at++] = (c >> 6) | 0xc0;
      buf[at++] = (c & 0x3f) | 0x80;
    } else {
      if ((c & 0xf800) === 0xd800) {
        const c2 = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && (c2 & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c & 0x3ff) << 10) + (c2 & 0x3ff);
          i++;
          buf[at++] = (c >> 18) | 0xf0;
          buf[at++] = ((c >> 12) & 0x3f) | 0x80;
          buf[at++] = ((c >> 6) & 0x3f) | 0x80;
          buf[at++] = (c & 0x3f) | 0x80;
          continue;
        }
        c = 0xfffd;
      }
      buf[at++] = (c >> 12) | 0xe0;
      buf[at++] = ((c >> 6) & 0x3f) | 0x80;
      buf[at++] = (c & 0x3f) | 0x80;
    }
  }
  return at;
}

/** A string field's length and bytes (the tag is the caller's). */
function writeStringBody(s: string): void {
  const n = s.length;
  if (n < LOOP_STRING) {
    // 3 × 12 < 128: the length fits one byte.
    ensure(1 + 3 * n);
    const end = putUtf8Short(s, pos + 1);
    buf[pos] = end - pos - 1;
    pos = end;
    return;
  }
  // Sized for ASCII; moved when the UTF-8 form needs a longer length prefix.
  ensure(10 + 3 * n);
  const reserve = varintSize(n);
  const len = buf.utf8Write(s, pos + reserve);
  const k = varintSize(len);
  if (k !== reserve) buf.copyWithin(pos + k, pos + reserve, pos + reserve + len);
  putVarint32(pos, len);
  pos += k + len;
}

/** Starts a length-delimited field's content, leaving `reserve` bytes for its length. */
function begin(reserve: number): number {
  ensure(reserve);
  const start = pos;
  pos += reserve;
  return start;
}

/** Writes the length of the content begun at `start`, moving the content if the reservation was off. */
function end(start: number, reserve: number): void {
  const len = pos - start - reserve;
  const k = varintSize(len);
  if (k !== reserve) {
    if (k > reserve) ensure(k - reserve);
    buf.copyWithin(start + k, start + reserve, pos);
    pos += k - reserve;
  }
  putVarint32(start, len);
}

function writeBytes(b: Uint8Array): void {
  const n = b.length;
  ensure(n);
  if (n <= 32) {
    for (let i = 0; i < n; i++) buf[pos + i] = b[i]!;
  } else {
    buf.set(b, pos);
  }
  pos += n;
}

// ---- AnyValue and attributes -----------------------------------------------------------

/** The content of an AnyValue for one of our attribute values (what logs-encoding.ts's anyValue maps it to). */
function writeAnyValueContent(v: AttributeValue): void {
  switch (typeof v) {
    case 'string':
      ensure(1);
      buf[pos++] = T_AV_STRING;
      writeStringBody(v);
      return;
    case 'boolean':
      ensure(2);
      buf[pos++] = T_AV_BOOL;
      buf[pos++] = v ? 1 : 0;
      return;
    case 'number':
      if (Number.isInteger(v) && v < 2 ** 63 && v >= -(2 ** 63)) {
        ensure(1);
        buf[pos++] = T_AV_INT;
        writeInt64Number(v);
      } else {
        ensure(9);
        buf[pos++] = T_AV_DOUBLE;
        buf.writeDoubleLE(v, pos);
        pos += 8;
      }
      return;
    default: {
      if (!Array.isArray(v)) throw new TypeError(`an attribute value of type ${typeof v} has no OTLP form`);
      ensure(1);
      buf[pos++] = T_AV_ARRAY;
      const arr = begin(2);
      for (const e of v as unknown[]) {
        ensure(1);
        buf[pos++] = T_ARRAY_VALUES;
        const el = begin(1);
        writeAnyValueContent(typeof e === 'object' || e === undefined ? String(e) : (e as AttributeValue));
        end(el, 1);
      }
      end(arr, 2);
    }
  }
}

/** `0x0a len key` of a KeyValue, by key. */
const keyCache = new Map<string, Uint8Array>();

function keyBytes(key: string): Uint8Array | undefined {
  let b = keyCache.get(key);
  if (b === undefined && keyCache.size < KEY_CACHE_MAX) {
    const utf8 = Buffer.from(key, 'utf8');
    // proto3: an empty string field is not written.
    b = new Uint8Array(utf8.length === 0 ? 0 : 1 + varintSize(utf8.length) + utf8.length);
    if (b.length === 0) {
      keyCache.set(key, b);
      return b;
    }
    b[0] = T_KV_KEY;
    let at = 1;
    for (let n = utf8.length; ; ) {
      if (n > 0x7f) {
        b[at++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      } else {
        b[at++] = n;
        break;
      }
    }
    b.set(utf8, at);
    keyCache.set(key, b);
  }
  return b;
}

/**
 * The common attribute, a short string under a cached key, in one pass: every length but
 * the KeyValue's is known to fit one byte (value < 40 UTF-16 units, so < 120 bytes), and
 * the KeyValue's (key < 64 bytes) fits two.
 */
function writeShortStringAttribute(tag: number, kb: Uint8Array, value: string): void {
  ensure(kb.length + 3 * value.length + 8);
  const start = pos;
  buf[start] = tag;
  let at = start + 2;
  for (let i = 0; i < kb.length; i++) buf[at++] = kb[i]!;
  buf[at] = T_KV_VALUE;
  const avLenAt = at + 1;
  buf[at + 2] = T_AV_STRING;
  const strAt = at + 4;
  const stop = value.length < LOOP_STRING ? putUtf8Short(value, strAt) : strAt + buf.utf8Write(value, strAt);
  buf[at + 3] = stop - strAt;
  buf[avLenAt] = stop - strAt + 2;
  const kvLen = stop - start - 2;
  if (kvLen < 0x80) {
    buf[start + 1] = kvLen;
    pos = stop;
  } else {
    buf.copyWithin(start + 3, start + 2, stop);
    buf[start + 1] = (kvLen & 0x7f) | 0x80;
    buf[start + 2] = kvLen >>> 7;
    pos = stop + 1;
  }
}

/** Each attribute as a KeyValue field with tag `tag`, in the object's key order; undefined values are left out. */
function writeAttributes(tag: number, attrs: Readonly<Attributes>): void {
  for (const key in attrs) {
    const value = attrs[key];
    if (value === undefined) continue;
    const kb = keyBytes(key);
    if (typeof value === 'string' && value.length < SMALL_STRING && kb !== undefined && kb.length < 64) {
      writeShortStringAttribute(tag, kb, value);
      continue;
    }
    ensure(1);
    buf[pos++] = tag;
    const kv = begin(1);
    if (kb !== undefined) {
      writeBytes(kb);
    } else if (key !== '') {
      ensure(1);
      buf[pos++] = T_KV_KEY;
      writeStringBody(key);
    }
    ensure(1);
    buf[pos++] = T_KV_VALUE;
    const av = begin(1);
    writeAnyValueContent(value);
    end(av, 1);
    end(kv, 1);
  }
}

// ---- ids ------------------------------------------------------------------------------------

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

/** A bytes field from a hex id of `bytes` bytes; left out unless well-formed and not all zero. */
function writeHexId(tag: number, hex: string, bytes: number): void {
  if (hex.length !== 2 * bytes) return;
  ensure(2 + bytes);
  let at = pos + 2;
  let any = 0;
  for (let i = 0; i < hex.length; i += 2) {
    const h = hexNibble(hex.charCodeAt(i));
    const l = hexNibble(hex.charCodeAt(i + 1));
    if ((h | l) < 0) return;
    const b = (h << 4) | l;
    any |= b;
    buf[at++] = b;
  }
  if (any === 0) return;
  buf[pos] = tag;
  buf[pos + 1] = bytes;
  pos = at;
}

// ---- records ------------------------------------------------------------------------------

function writeLogRecord(r: LogRecord): void {
  ensure(1);
  buf[pos++] = T_SL_LOG_RECORDS;
  const start = begin(2);
  const t = r.timeUnixNano;
  if (t !== '0' && t !== '') {
    ensure(1);
    buf[pos++] = T_LR_TIME;
    writeFixed64Decimal(t, 0);
  }
  const sev = r.severityNumber;
  if (sev !== 0) {
    ensure(1);
    buf[pos++] = T_LR_SEVERITY_NUMBER;
    // An enum is an int32: negative ones take ten bytes, fractions are cut (as protobufjs does).
    if (sev < 0) writeInt64Number(sev);
    else writeVarint32(sev >>> 0);
  }
  if (r.severityText !== '') {
    ensure(1);
    buf[pos++] = T_LR_SEVERITY_TEXT;
    writeStringBody(r.severityText);
  }
  if (r.body !== '') {
    ensure(2);
    buf[pos++] = T_LR_BODY;
    const reserve = r.body.length < 120 ? 1 : 2;
    const body = begin(reserve);
    ensure(1);
    buf[pos++] = T_AV_STRING;
    writeStringBody(r.body);
    end(body, reserve);
  }
  writeAttributes(T_LR_ATTRIBUTES, r.attributes);
  writeHexId(T_LR_TRACE_ID, r.traceId, 16);
  writeHexId(T_LR_SPAN_ID, r.spanId, 8);
  const o = r.observedTimeUnixNano;
  if (o !== '0' && o !== '') {
    ensure(1);
    buf[pos++] = T_LR_OBSERVED_TIME;
    writeFixed64Decimal(o, 1);
  }
  if (r.eventName !== '') {
    ensure(1);
    buf[pos++] = T_LR_EVENT_NAME;
    writeStringBody(r.eventName);
  }
  end(start, 2);
}

// ---- the request ----------------------------------------------------------------------------

/** The `resource` field of a ResourceLogs, by (frozen, interned) resource object. */
const resourceCache = new WeakMap<object, Uint8Array>();

function writeResourceField(resource: Readonly<Attributes>): void {
  const cached = resourceCache.get(resource);
  if (cached !== undefined) {
    writeBytes(cached);
    return;
  }
  const from = pos;
  ensure(1);
  buf[pos++] = T_RL_RESOURCE;
  const start = begin(2);
  writeAttributes(T_RES_ATTRIBUTES, resource);
  end(start, 2);
  // A mutable resource could change between batches; only interned (frozen) ones are kept.
  if (Object.isFrozen(resource)) resourceCache.set(resource, Uint8Array.prototype.slice.call(buf, from, pos));
}

/** `scope` field bytes of a ScopeLogs, by scope. */
function scopeFieldBytes(scope: InstrumentationScopeId): Uint8Array {
  const name = Buffer.from(scope.name, 'utf8');
  const version = Buffer.from(scope.version, 'utf8');
  const parts: Buffer[] = [];
  // proto3: empty strings are not written.
  if (name.length > 0) parts.push(Buffer.from([T_SCOPE_NAME]), varintBytes(name.length), name);
  if (version.length > 0) parts.push(Buffer.from([T_SCOPE_VERSION]), varintBytes(version.length), version);
  const inner = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([T_SL_SCOPE]), varintBytes(inner.length), inner]);
}

function varintBytes(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

// ---- output buffers ---------------------------------------------------------------------
// A batch's request (~700 KiB for the receivers' 1024 records) lives until it is
// delivered: the exporter queue commits it to SQLite and keeps it in memory for the
// sender. Allocating a fresh one each time costs page faults on new memory and, as
// external memory, pushes V8 into extra full collections; so big outputs come from slabs
// that the queue hands back (releasePayload) once it is done with them.

/** Outputs below this come from Buffer's pool as usual; slabs are for batch-sized ones. */
const SLAB_MIN_PAYLOAD = 64 * 1024;
const FREE_SLABS_MAX = 4;
const slabBuffers = new WeakSet<ArrayBufferLike>();
const freeSlabs: Buffer[] = [];

function outputBuffer(n: number): Buffer {
  if (n < SLAB_MIN_PAYLOAD) return Buffer.allocUnsafe(n);
  for (let i = freeSlabs.length - 1; i >= 0; i--) {
    const slab = freeSlabs[i]!;
    if (slab.length >= n) {
      freeSlabs.splice(i, 1);
      return slab.subarray(0, n);
    }
  }
  // Room for batches a little larger than this one, so a slab is rarely too small.
  const slab = Buffer.allocUnsafeSlow(Math.ceil((n * 1.25) / 65536) * 65536);
  slabBuffers.add(slab.buffer);
  return slab.subarray(0, n);
}

/**
 * Gives back a buffer `encode` returned, once nothing references it any more (the queue
 * delivered it or holds it only in SQLite). Only for callers that know that: the buffer
 * is written over by a later batch. Buffers not from a slab, or given back twice, are
 * ignored.
 */
export function releasePayload(payload: Uint8Array): void {
  const ab = payload.buffer;
  if (!slabBuffers.has(ab) || freeSlabs.length >= FREE_SLABS_MAX) return;
  for (const s of freeSlabs) if (s.buffer === ab) return;
  freeSlabs.push(Buffer.from(ab, 0, ab.byteLength));
}

/**
 * Encodes batches of records with one scope. Records are grouped into one ResourceLogs per
 * resource object (by identity, in order of first appearance) holding one ScopeLogs; record
 * order within a resource is kept.
 */
export class OtlpLogsEncoder {
  private readonly scopeField: Uint8Array;

  constructor(scope: InstrumentationScopeId) {
    this.scopeField = scopeFieldBytes(scope);
  }

  /** A new Buffer holding the ExportLogsServiceRequest. Throws (TypeError, SyntaxError) on a value with no OTLP form. */
  encode(records: readonly LogRecord[]): Buffer {
    pos = 0;
    try {
      const n = records.length;
      if (n === 0) return Buffer.alloc(0);
      const first = records[0]!.resource;
      let single = true;
      for (let i = 1; i < n; i++) {
        if (records[i]!.resource !== first) {
          single = false;
          break;
        }
      }
      if (single) {
        this.writeResourceLogs(first, records, undefined);
      } else {
        const groups = new Map<Readonly<Attributes>, number[]>();
        for (let i = 0; i < n; i++) {
          const res = records[i]!.resource;
          const g = groups.get(res);
          if (g === undefined) groups.set(res, [i]);
          else g.push(i);
        }
        for (const [res, idx] of groups) this.writeResourceLogs(res, records, idx);
      }
      const out = outputBuffer(pos);
      buf.copy(out, 0, 0, pos);
      return out;
    } finally {
      if (buf.length > KEEP_BUFFER) buf = allocScratch(INITIAL_BUFFER);
      pos = 0;
    }
  }

  private writeResourceLogs(resource: Readonly<Attributes>, records: readonly LogRecord[], idx: number[] | undefined): void {
    ensure(1);
    buf[pos++] = T_REQ_RESOURCE_LOGS;
    const rl = begin(3);
    writeResourceField(resource);
    ensure(1);
    buf[pos++] = T_RL_SCOPE_LOGS;
    const sl = begin(3);
    writeBytes(this.scopeField);
    if (idx === undefined) {
      for (let i = 0; i < records.length; i++) writeLogRecord(records[i]!);
    } else {
      for (let i = 0; i < idx.length; i++) writeLogRecord(records[idx[i]!]!);
    }
    end(sl, 3);
    end(rl, 3);
  }
}
