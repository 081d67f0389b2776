/**
 * Hypervisor and helper output: cloud-hypervisor, firecracker, QEMU stderr, the C
 * virtiofsd, nydusd, and cloud-api-adaptor (the peer-pods "remote" hypervisor).
 */
import { Severity } from '../../../pdata/log-record';
import { parseTimestamp } from '../../../pdata/time';
import type { Draft } from '../draft';
import { setAttr, setHypervisor, setSeverity } from '../draft';
import { fieldKey } from '../fields';
import { K } from '../keys';

const FIELD_THREAD = fieldKey('thread');
const FIELD_INSTANCE = fieldKey('instance');
const FIELD_PROGRAM = fieldKey('program');
const FIELD_THREAD_ID = fieldKey('thread_id');
import { severityFromLevel } from '../severity';

const CLH = /^cloud-hypervisor: (\d{1,12}(?:\.\d{1,9})?)(ns|µs|us|ms|s): (?:<([^>]{1,64})> )?(ERROR|WARN|INFO|DEBUG|TRACE):([^:\s]{1,256}):(\d{1,7}) -- /;
const ELAPSED_SCALE: Record<string, number> = { ns: 1e-9, 'µs': 1e-6, us: 1e-6, ms: 1e-3, s: 1 };

/** `cloud-hypervisor: 76.947714ms: INFO:vmm/src/cpu.rs:664 -- Creating vCPU: cpu_id = 0`. */
export function parseCloudHypervisor(d: Draft, text: string): boolean {
  // Both forms open with `c` or `V`: other text is ruled out without running the expression.
  const c = text.charCodeAt(0);
  if (c !== 99 /* c */ && c !== 86 /* V */) return false;
  const m = CLH.exec(text);
  if (m === null) {
    // CLH's fatal error chain on the console has no prefix.
    if (!text.startsWith('VMM thread exited with error')) return false;
    d.format = 'cloud-hypervisor';
    d.component = 'hypervisor';
    setHypervisor(d, 'cloud-hypervisor');
    d.record.body = text;
    setSeverity(d, Severity.ERROR, '');
    return true;
  }
  d.format = 'cloud-hypervisor';
  d.component = 'hypervisor';
  setHypervisor(d, 'cloud-hypervisor');
  setAttr(d, K.HYPERVISOR_UPTIME, Number(m[1]) * ELAPSED_SCALE[m[2]!]!);
  if (m[3] !== undefined) setAttr(d, FIELD_THREAD, m[3]);
  setSeverity(d, severityFromLevel(m[4]!), m[4]!);
  setAttr(d, K.CODE_FILE_PATH, m[5]!);
  setAttr(d, K.CODE_LINE_NUMBER, Number(m[6]));
  d.record.body = text.slice(m[0].length);
  return true;
}

const FIRECRACKER = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}) \[([^\]]{0,256})\] ?/;

/**
 * `2018-11-28T14:01:37.145332365 [anonymous-instance:ERROR:vmm/src/lib.rs:1157] msg`.
 * Firecracker writes no zone; the time is read as UTC.
 */
export function parseFirecracker(d: Draft, text: string): boolean {
  const m = FIRECRACKER.exec(text);
  if (m === null) return false;
  d.format = 'firecracker';
  d.component = 'hypervisor';
  setHypervisor(d, 'firecracker');
  d.timeText = m[1]!;
  d.record.timeUnixNano = parseTimestamp(m[1]!) || d.record.timeUnixNano;
  const parts = m[2]!.split(':');
  if (parts[0] !== '') setAttr(d, FIELD_INSTANCE, parts[0]!);
  if (parts.length >= 2 && parts[1] !== '') setSeverity(d, severityFromLevel(parts[1]!), parts[1]!);
  if (parts.length >= 4 && /^\d+$/.test(parts[3]!)) {
    setAttr(d, K.CODE_FILE_PATH, parts[2]!);
    setAttr(d, K.CODE_LINE_NUMBER, Number(parts[3]));
  }
  d.record.body = text.slice(m[0].length);
  return true;
}

const QEMU = /^(qemu-[\w.-]{1,64}): /;

/** QEMU stderr: `qemu-system-x86_64: -device ...: Failed to read msg header`. */
export function parseQemu(d: Draft, text: string): boolean {
  if (text.charCodeAt(0) !== 113 /* q */) return false;
  const m = QEMU.exec(text);
  if (m === null) return false;
  d.format = 'qemu';
  d.component = 'hypervisor';
  setHypervisor(d, 'qemu');
  d.service = 'qemu';
  setAttr(d, FIELD_PROGRAM, m[1]!);
  const rest = text.slice(m[0].length);
  d.record.body = rest;
  if (/^warning: /i.test(rest)) setSeverity(d, Severity.WARN, 'warning');
  else if (/^error: |[Ff]ailed|[Ee]rror|not permitted/.test(rest)) setSeverity(d, Severity.ERROR, '');
  return true;
}

const VIRTIOFSD_C = /^\[ID: (\d{1,10})\] /;

/** The C virtiofsd with --syslog: `[ID: 00000001] virtio_loop: Unexpected poll revents 11`. */
export function parseVirtiofsdC(d: Draft, text: string): boolean {
  const m = VIRTIOFSD_C.exec(text);
  if (m === null) return false;
  d.format = 'virtiofsd';
  d.component = 'virtiofsd';
  setAttr(d, FIELD_THREAD_ID, m[1]!);
  d.record.body = text.slice(m[0].length);
  return true;
}

const NYDUSD = /^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,9})? [+-]\d\d:?\d\d)\] (ERROR|WARN|INFO|DEBUG|TRACE) /;

/** nydusd: `[2025-11-14 09:14:37.391300 +00:00] INFO Fuse daemon started!`. */
export function parseNydusd(d: Draft, text: string): boolean {
  const m = NYDUSD.exec(text);
  if (m === null) return false;
  d.format = 'nydusd';
  d.component = 'container-manager';
  d.service = 'nydusd';
  d.timeText = m[1]!;
  d.record.timeUnixNano = parseTimestamp(m[1]!) || d.record.timeUnixNano;
  setSeverity(d, severityFromLevel(m[2]!), m[2]!);
  d.record.body = text.slice(m[0].length);
  return true;
}

const GO_LOG = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d(?:\.\d{1,9})?) (?:\[([^\]]{1,128})\] ?)?/;

/** Go std log, as cloud-api-adaptor writes it: `2023/09/11 08:25:06 [adaptor/proxy] msg`. */
export function parseGoLog(d: Draft, text: string): boolean {
  const m = GO_LOG.exec(text);
  if (m === null) return false;
  d.format = 'go-log';
  const stamp = `${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`;
  d.timeText = `${m[1]}/${m[2]}/${m[3]} ${m[4]}`;
  d.record.timeUnixNano = parseTimestamp(stamp) || d.record.timeUnixNano;
  d.record.body = text.slice(m[0].length);
  const tag = m[5];
  if (tag !== undefined) {
    setAttr(d, K.MODULE, tag);
    if (tag.startsWith('adaptor') || tag.startsWith('podnetwork') || tag.startsWith('cloud')) {
      d.component = 'hypervisor';
      setHypervisor(d, 'remote');
      d.service = 'cloud-api-adaptor';
    }
  }
  return true;
}
