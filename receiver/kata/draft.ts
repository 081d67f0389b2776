/**
 * The record under construction while one entry is parsed. Format parsers write into it;
 * `finishDraft` turns it into the LogRecord with an interned resource.
 *
 * Attributes are gathered in two arrays (keys in insertion order, values beside them) and
 * become the record's attribute object only in `finishDraft`. The object's key order is
 * the insertion order, as if each attribute had been assigned to it directly; what is
 * saved is the engine work of a property lookup on objects of thousands of different
 * shapes (agent JSON writes its keys in random order) at every read and write while
 * parsing. Keys are compared with `===`: they are string constants or come from
 * `fieldKey`, so the comparison is mostly by identity.
 */
import type { AttributeValue, Attributes, LogRecord } from '../../pdata/log-record';
import { Severity } from '../../pdata/log-record';
import type { Component, HypervisorType, LogFormat } from './keys';
import { K } from './keys';

export interface Draft {
  record: LogRecord;
  /** Attribute keys in insertion order; `vals[i]` is the value of `keys[i]`. */
  keys: string[];
  vals: AttributeValue[];
  /** Number of attributes set (the first `n` entries of keys and vals). */
  n: number;
  component: Component;
  /** service.name when the emitter is known more precisely than its component. */
  service: string;
  host: string;
  format: LogFormat;
  status: '' | 'partial' | 'failed';
  /** Why the record is damaged, or null while it is not. */
  errors: string[] | null;
  /** Time and level seen so far, so a relay can move them to kata.relay.*. */
  timeText: string;
  /** The top-level text has ` name=` or ` source=` (a logfmt key read there), for the twin check. */
  selfDescribed: boolean;
  /** The attributes come in an order that differs from record to record (slog JSON): see newAttributes. */
  randomOrder: boolean;
}

export function newDraft(record: LogRecord): Draft {
  return {
    record,
    keys: [],
    vals: [],
    n: 0,
    component: 'unknown',
    service: '',
    host: '',
    format: 'unknown',
    status: '',
    errors: null,
    timeText: '',
    selfDescribed: false,
    randomOrder: false,
  };
}

/** The value of an attribute, or undefined when it is not set. */
export function getAttr(d: Draft, key: string): AttributeValue | undefined {
  const keys = d.keys;
  for (let i = 0; i < d.n; i++) {
    if (keys[i] === key) return d.vals[i];
  }
  return undefined;
}

export function hasAttr(d: Draft, key: string): boolean {
  const keys = d.keys;
  for (let i = 0; i < d.n; i++) {
    if (keys[i] === key) return true;
  }
  return false;
}

/** Sets an attribute: in place when it is set already, else after the others. */
export function setAttr(d: Draft, key: string, value: AttributeValue): void {
  const keys = d.keys;
  const n = d.n;
  for (let i = 0; i < n; i++) {
    if (keys[i] === key) {
      d.vals[i] = value;
      return;
    }
  }
  keys[n] = key;
  d.vals[n] = value;
  d.n = n + 1;
}

/** Adds an attribute that no format parser sets (the caller knows it is not set yet). */
export function addAttr(d: Draft, key: string, value: AttributeValue): void {
  const n = d.n;
  d.keys[n] = key;
  d.vals[n] = value;
  d.n = n + 1;
}

/** Sets an attribute that is not set yet; keeps the first value otherwise. */
export function setAttrOnce(d: Draft, key: string, value: AttributeValue): void {
  const keys = d.keys;
  const n = d.n;
  for (let i = 0; i < n; i++) {
    if (keys[i] === key) return;
  }
  keys[n] = key;
  d.vals[n] = value;
  d.n = n + 1;
}

/** Marks the draft damaged; `failed` outranks `partial`. */
export function markDamaged(d: Draft, status: 'partial' | 'failed', why: string): void {
  if (d.status !== 'failed') d.status = status;
  const errors = (d.errors ??= []);
  if (errors.length < 4 && !errors.includes(why)) errors.push(why);
}

export function setSeverity(d: Draft, number: number, text: string): void {
  d.record.severityNumber = number;
  d.record.severityText = text;
}

export function setHypervisor(d: Draft, type: HypervisorType): void {
  setAttrOnce(d, K.HYPERVISOR_TYPE, type);
}

/**
 * A plain object (its prototype is Object.prototype, like `{}`'s), made by a constructor:
 * the engine sizes such objects by the ones made before (slack tracking), so a record's
 * attributes mostly fit inside the object instead of a property store grown as they come.
 */
const AttributeObject = function AttributeObject(this: Attributes): void {} as unknown as new () => Attributes;
AttributeObject.prototype = Object.prototype;

/**
 * An empty attribute object for keys in this order. The engine gives an object whose keys
 * were added in an order it has not seen a new hidden class, and all of them together a
 * tree of them; agent slog JSON writes its keys in a random order (a Rust HashMap), so its
 * records would create thousands of such classes, which every full garbage collection
 * drops (no object holds them for long) and the next records create again. Their
 * attributes are built as hash tables instead ("dictionary mode": an object made so by
 * deleting a property that is not its last): same keys, same order, same prototype,
 * without the classes.
 */
export function newAttributes(randomOrder: boolean): Attributes {
  if (!randomOrder) return new AttributeObject();
  const a: Attributes = { __dictionary0: 0, __dictionary1: 0 };
  delete a['__dictionary0'];
  delete a['__dictionary1'];
  return a;
}

/** The attribute object of the first `n` keys and values, keys in that order. */
export function buildAttributes(keys: readonly string[], vals: readonly AttributeValue[], n: number, randomOrder: boolean): Attributes {
  const a = newAttributes(randomOrder);
  // The first few stores each have a site of their own: those see few (shape, key) pairs.
  if (n > 0) a[keys[0]!] = vals[0]!;
  if (n > 1) a[keys[1]!] = vals[1]!;
  if (n > 2) a[keys[2]!] = vals[2]!;
  if (n > 3) a[keys[3]!] = vals[3]!;
  if (n > 4) a[keys[4]!] = vals[4]!;
  if (n > 5) a[keys[5]!] = vals[5]!;
  if (n > 6) a[keys[6]!] = vals[6]!;
  if (n > 7) a[keys[7]!] = vals[7]!;
  for (let i = 8; i < n; i++) a[keys[i]!] = vals[i]!;
  return a;
}

/** What beginRelay saved of the wrapping record, for endRelay. */
export interface RelaySaved {
  time: string;
  component: Component;
  service: string;
}

/**
 * Moves what the draft holds about the wrapping record into kata.relay.* and clears
 * message, level and time so the inner record can fill them. Ids, pid and host stay.
 */
export function beginRelay(d: Draft): RelaySaved {
  const saved: RelaySaved = { time: d.record.timeUnixNano, component: d.component, service: d.service };
  const depth = (getAttr(d, K.RELAY_DEPTH) as number | undefined) ?? 0;
  if (depth === 0) {
    // Only this function sets kata.relay.*: before the first relay none is set.
    if (d.timeText !== '') addAttr(d, K.RELAY_TIME, d.timeText);
    if (d.record.severityText !== '') addAttr(d, K.RELAY_SEVERITY_TEXT, d.record.severityText);
    addAttr(d, K.RELAY_COMPONENT, d.component);
    addAttr(d, K.RELAY_FORMAT, d.format);
    addAttr(d, K.RELAY_DEPTH, 1);
  } else {
    setAttr(d, K.RELAY_DEPTH, depth + 1);
  }
  // The inner record names its own emitter; endRelay falls back to the wrapper's when it does not.
  d.component = 'unknown';
  d.record.severityNumber = Severity.UNSPECIFIED;
  d.record.severityText = '';
  d.record.body = '';
  d.record.timeUnixNano = '0';
  d.timeText = '';
  return saved;
}

/**
 * After the inner record was parsed: it keeps its own time and emitter when it had them,
 * else the wrapper's. When the inner record names another emitter, the wrapper's
 * service.name (say `kata-runtime`) no longer applies.
 */
export function endRelay(d: Draft, saved: RelaySaved): void {
  if (d.record.timeUnixNano === '0') d.record.timeUnixNano = saved.time;
  if (d.component === 'unknown') d.component = saved.component;
  if (d.component !== saved.component && d.service === saved.service) d.service = '';
}

const resources = new Map<string, Readonly<Attributes>>();
const MAX_INTERNED = 4096;

/**
 * One frozen resource object per (service, host), so exporters can group by identity.
 * Records interleave a handful of emitters, so the last few resources handed out are
 * checked first, without building the table key.
 */
const RECENT = 16;
const recentService: string[] = [];
const recentHost: string[] = [];
const recentResource: Array<Readonly<Attributes>> = [];
let recentNext = 0;

export function internResource(service: string, host: string): Readonly<Attributes> {
  for (let i = 0; i < recentService.length; i++) {
    if (recentService[i] === service && recentHost[i] === host) return recentResource[i]!;
  }
  const key = service + '\u0000' + host;
  let r = resources.get(key);
  if (r === undefined) {
    const attrs: Attributes = { [K.SERVICE_NAME]: service };
    if (host !== '') attrs[K.HOST_NAME] = host;
    r = Object.freeze(attrs);
    // Host names come from input text: cap the table so hostile input cannot grow it.
    if (resources.size >= MAX_INTERNED) return r;
    resources.set(key, r);
  }
  recentService[recentNext] = service;
  recentHost[recentNext] = host;
  recentResource[recentNext] = r;
  recentNext = (recentNext + 1) % RECENT;
  return r;
}

const DEFAULT_SERVICE: Record<Component, string> = {
  runtime: 'containerd-shim-kata-v2',
  'runtime-rs': 'containerd-shim-kata-v2',
  agent: 'kata-agent',
  hypervisor: 'hypervisor',
  virtiofsd: 'virtiofsd',
  'guest-kernel': 'guest-kernel',
  guest: 'guest',
  'container-manager': 'container-manager',
  'kata-monitor': 'kata-monitor',
  'legacy-proxy': 'kata-proxy',
  'legacy-shim': 'kata-shim',
  unknown: 'unknown',
};

export function finishDraft(d: Draft): LogRecord {
  // Set here only, so added without looking for them first.
  addAttr(d, K.COMPONENT, d.component);
  addAttr(d, K.LOG_FORMAT, d.format);
  if (d.status !== '') {
    addAttr(d, K.PARSE_STATUS, d.status);
    addAttr(d, K.PARSE_ERROR, (d.errors ?? []).join('; '));
  }
  let service = d.service;
  if (service === '') {
    const hv = d.component === 'hypervisor' ? getAttr(d, K.HYPERVISOR_TYPE) : undefined;
    service = typeof hv === 'string' ? hv : DEFAULT_SERVICE[d.component];
  }
  d.record.resource = internResource(service, d.host);
  d.record.attributes = buildAttributes(d.keys, d.vals, d.n, d.randomOrder);
  return d.record;
}
