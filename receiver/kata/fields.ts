/**
 * Maps the key/value fields of logrus (logfmt) and slog (JSON) records to attributes.
 * Keys with a registered meaning get it; every other key is kept as kata.field.<key>.
 */
import type { Draft } from './draft';
import { getAttr, setAttr, setAttrOnce, setHypervisor } from './draft';
import { isHex64 } from './ids';
import { K } from './keys';

type FieldHandler = (d: Draft, value: string) => void;

/**
 * `kata.field.<key>` of each key seen, so a record does not build the same attribute name
 * again and attribute keys compare by identity (see draft.ts). Keys come from input: the
 * table is bounded; past it the name is built each time (and compares by content).
 */
const FIELD_KEYS = new Map<string, string>();
const MAX_FIELD_KEYS = 4096;

/** The same text as `s`, in the engine's table of property names (where property keys live). */
export function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** The attribute key `kata.field.<key>`. */
export function fieldKey(key: string): string {
  let k = FIELD_KEYS.get(key);
  if (k === undefined) {
    k = K.FIELD_PREFIX + key;
    if (FIELD_KEYS.size < MAX_FIELD_KEYS) FIELD_KEYS.set(key, (k = internalized(k)));
  }
  return k;
}

const FIELD_PID = fieldKey('pid');
const FIELD_FILE = fieldKey('file');
const FIELD_REQ = fieldKey('req');
const FIELD_ID = fieldKey('id');

function setOnce(key: string): FieldHandler {
  return (d, v) => {
    if (v !== '') setAttrOnce(d, key, v);
  };
}

/** `Number(v)` when `/^\d{1,10}$/.test(v)`, else -1: the digits are read once, for both. */
function pidValue(v: string): number {
  const n = v.length;
  if (n === 0 || n > 10) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + c - 48;
  }
  return value;
}

function setPid(d: Draft, v: string): void {
  const pid = pidValue(v);
  // pid once held a container id (kata-containers#2185): keep such text, never coerce it.
  if (pid >= 0) setAttr(d, K.PROCESS_PID, pid);
  else if (v !== '') setAttr(d, FIELD_PID, v);
}

function setName(d: Draft, v: string): void {
  // Code that adds its own `name` field overwrites the program name (name=grpc.CheckRequest).
  if (v.startsWith('grpc.')) setAttr(d, K.AGENT_RPC, v.slice(5));
  else if (v !== '') setAttr(d, K.LOGGER_NAME, v);
}

function setSubsystem(d: Draft, v: string): void {
  setAttr(d, K.SUBSYSTEM, v);
  const hv = subsystemHypervisor(v);
  if (hv !== undefined) setHypervisor(d, hv);
}

/**
 * SUBSYSTEM_HYPERVISOR[v]; the runtime's common subsystems compared directly, which computes
 * no hash of the value (read from the line, it has none yet).
 */
function subsystemHypervisor(v: string): (typeof SUBSYSTEM_HYPERVISOR)[string] | undefined {
  switch (v) {
    case 'sandbox':
    case 'kata_agent':
    case 'container':
    case 'network':
    case 'cgroups':
    case 'hypervisor':
    case 'device':
      return undefined;
    case 'qemu':
    case 'qmp':
      return 'qemu';
    default:
      return SUBSYSTEM_HYPERVISOR[v];
  }
}

const SUBSYSTEM_HYPERVISOR: Record<string, 'qemu' | 'cloud-hypervisor' | 'firecracker' | 'dragonball' | 'stratovirt'> = {
  qemu: 'qemu', qmp: 'qemu', cloudHypervisor: 'cloud-hypervisor', clh: 'cloud-hypervisor',
  firecracker: 'firecracker', dragonball: 'dragonball', stratovirt: 'stratovirt',
};

function setCallerFile(d: Draft, v: string): void {
  // CRI-O's caller field is "pkg/file.go:701"; Kata's file= names a config file.
  const m = /^([\w./-]{1,256}\.go):(\d{1,7})$/.exec(v);
  if (m !== null) {
    setAttr(d, K.CODE_FILE_PATH, m[1]!);
    setAttr(d, K.CODE_LINE_NUMBER, Number(m[2]));
  } else {
    setAttr(d, FIELD_FILE, v);
  }
}

function setRequest(d: Draft, v: string): void {
  setAttr(d, FIELD_REQ, v);
  // 1.x agent gRPC dumps carry container_id:"..." (the Go log-parser read it the same way).
  const m = /container_id:\\?"([^"\\]{1,128})/.exec(v);
  if (m !== null) setAttrOnce(d, K.CONTAINER_ID, m[1]!);
}

function setContainerdId(d: Draft, v: string): void {
  // containerd's id= is the task id; for a shim it is the sandbox id.
  setAttr(d, FIELD_ID, v);
  if (isHex64(v) && /shim/.test(d.record.body)) setAttrOnce(d, K.SANDBOX_ID, v);
}

const HANDLERS = new Map<string, FieldHandler>(Object.entries({
  pid: setPid,
  name: setName,
  source: (d, v) => {
    setAttr(d, K.SOURCE, v);
  },
  subsystem: setSubsystem,
  sandbox: setOnce(K.SANDBOX_ID),
  'sandbox-id': setOnce(K.SANDBOX_ID),
  sandbox_id: setOnce(K.SANDBOX_ID),
  sandboxid: setOnce(K.SANDBOX_ID),
  ID: setOnce(K.SANDBOX_ID),
  // klog/CRI: the pod sandbox id is the Kata sandbox id (crictl prints it cut to 13 characters).
  podSandboxID: setOnce(K.SANDBOX_ID),
  container: setOnce(K.CONTAINER_ID),
  'container-id': setOnce(K.CONTAINER_ID),
  container_id: setOnce(K.CONTAINER_ID),
  containerID: setOnce(K.CONTAINER_ID),
  cid: setOnce(K.CONTAINER_ID),
  'exec-id': setOnce(K.EXEC_ID),
  exec_id: setOnce(K.EXEC_ID),
  eid: setOnce(K.EXEC_ID),
  error: setOnce(K.EXCEPTION_MESSAGE),
  Error: setOnce(K.EXCEPTION_MESSAGE),
  err: setOnce(K.EXCEPTION_MESSAGE),
  'console-protocol': setOnce(K.CONSOLE_PROTOCOL),
  'console-url': setOnce(K.CONSOLE_URL),
  function: setOnce(K.CODE_FUNCTION_NAME),
  file: setCallerFile,
  image: setOnce(K.CONTAINER_IMAGE_NAME),
  arch: setOnce(K.HOST_ARCH),
  module: setOnce(K.MODULE),
  req: setRequest,
  id: setContainerdId,
  podUID: setOnce(K.K8S_POD_UID),
  pod: (d, v) => {
    // klog structured form "namespace/name".
    const slash = v.indexOf('/');
    if (slash > 0) {
      setAttr(d, K.K8S_NAMESPACE_NAME, v.slice(0, slash));
      setAttr(d, K.K8S_POD_NAME, v.slice(slash + 1));
    } else if (v !== '') setAttr(d, K.K8S_POD_NAME, v);
  },
} satisfies Record<string, FieldHandler>));

/**
 * A hash of a key, computed by the scanners while they read it (logfmt, JSON), so that
 * finding the key's handler and attribute name computes no string hash.
 */
export function keyHash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return h;
}

/** What applyField does with a key: its handler, or the attribute it is kept under. */
interface FieldEntry {
  key: string;
  handler: FieldHandler | undefined;
  attrKey: string;
  /** Another key of the same hash. */
  next: FieldEntry | undefined;
}

/** FieldEntry chains by the low bits of the key hash: an array index, no hashing. */
const BY_HASH: Array<FieldEntry | undefined> = new Array<FieldEntry | undefined>(1024).fill(undefined);
let fieldEntries = 0;

/** applyField for a key whose keyHash is known. */
export function applyFieldHashed(d: Draft, key: string, hash: number, value: string): void {
  const slot = hash & 1023;
  let e = BY_HASH[slot];
  while (e !== undefined && e.key !== key) e = e.next;
  if (e === undefined) {
    // Keys come from input: past the bound, the plain lookup.
    if (fieldEntries >= MAX_FIELD_KEYS) return applyField(d, key, value);
    e = { key: internalized(key), handler: HANDLERS.get(key), attrKey: key === '' ? '' : fieldKey(key), next: BY_HASH[slot] };
    BY_HASH[slot] = e;
    fieldEntries++;
  }
  if (e.handler !== undefined) e.handler(d, value);
  else if (key !== '') setAttr(d, e.attrKey, value);
}

/** Applies one emitter field. `time`, `level`, `msg`, `ts` are handled by the format parser. */
export function applyField(d: Draft, key: string, value: string): void {
  const h = HANDLERS.get(key);
  if (h !== undefined) h(d, value);
  else if (key !== '') setAttr(d, fieldKey(key), value);
}
