/**
 * The record under construction while one entry is parsed. Format parsers write into it;
 * `finishDraft` turns it into the LogRecord with an interned resource.
 */
import type { Attributes, LogRecord } from '../../pdata/log-record';
import { Severity } from '../../pdata/log-record';
import type { Component, HypervisorType, LogFormat } from './keys';
import { K } from './keys';

export interface Draft {
  record: LogRecord;
  attrs: Attributes;
  component: Component;
  /** service.name when the emitter is known more precisely than its component. */
  service: string;
  host: string;
  format: LogFormat;
  status: '' | 'partial' | 'failed';
  errors: string[];
  /** Time and level seen so far, so a relay can move them to kata.relay.*. */
  timeText: string;
}

export function newDraft(record: LogRecord): Draft {
  return {
    record,
    attrs: record.attributes,
    component: 'unknown',
    service: '',
    host: '',
    format: 'unknown',
    status: '',
    errors: [],
    timeText: '',
  };
}

/** Marks the draft damaged; `failed` outranks `partial`. */
export function markDamaged(d: Draft, status: 'partial' | 'failed', why: string): void {
  if (d.status !== 'failed') d.status = status;
  if (d.errors.length < 4 && !d.errors.includes(why)) d.errors.push(why);
}

export function setSeverity(d: Draft, number: number, text: string): void {
  d.record.severityNumber = number;
  d.record.severityText = text;
}

export function setHypervisor(d: Draft, type: HypervisorType): void {
  if (d.attrs[K.HYPERVISOR_TYPE] === undefined) d.attrs[K.HYPERVISOR_TYPE] = type;
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
  const depth = (d.attrs[K.RELAY_DEPTH] as number | undefined) ?? 0;
  if (depth === 0) {
    if (d.timeText !== '') d.attrs[K.RELAY_TIME] = d.timeText;
    if (d.record.severityText !== '') d.attrs[K.RELAY_SEVERITY_TEXT] = d.record.severityText;
    d.attrs[K.RELAY_COMPONENT] = d.component;
    d.attrs[K.RELAY_FORMAT] = d.format;
  }
  d.attrs[K.RELAY_DEPTH] = depth + 1;
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

/** One frozen resource object per (service, host), so exporters can group by identity. */
let lastService = '';
let lastHost = '';
let lastResource: Readonly<Attributes> | undefined;

export function internResource(service: string, host: string): Readonly<Attributes> {
  // Consecutive records mostly come from the same emitter on the same host.
  if (lastResource !== undefined && service === lastService && host === lastHost) return lastResource;
  lastService = service;
  lastHost = host;
  lastResource = internResourceSlow(service, host);
  return lastResource;
}

function internResourceSlow(service: string, host: string): Readonly<Attributes> {
  const key = service + '\u0000' + host;
  let r = resources.get(key);
  if (r === undefined) {
    const attrs: Attributes = { [K.SERVICE_NAME]: service };
    if (host !== '') attrs[K.HOST_NAME] = host;
    r = Object.freeze(attrs);
    // Host names come from input text: cap the table so hostile input cannot grow it.
    if (resources.size < MAX_INTERNED) resources.set(key, r);
  }
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
  const a = d.attrs;
  a[K.COMPONENT] = d.component;
  a[K.LOG_FORMAT] = d.format;
  if (d.status !== '') {
    a[K.PARSE_STATUS] = d.status;
    a[K.PARSE_ERROR] = d.errors.join('; ');
  }
  let service = d.service;
  if (service === '') {
    const hv = a[K.HYPERVISOR_TYPE];
    service = d.component === 'hypervisor' && typeof hv === 'string' ? hv : DEFAULT_SERVICE[d.component];
  }
  d.record.resource = internResource(service, d.host);
  return d.record;
}
