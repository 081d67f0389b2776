/**
 * Maps the key/value fields of logrus (logfmt) and slog (JSON) records to attributes.
 * Keys with a registered meaning get it; every other key is kept as kata.field.<key>.
 */
import type { Draft } from './draft';
import { setHypervisor } from './draft';
import { isHex64 } from './ids';
import { K } from './keys';

type FieldHandler = (d: Draft, value: string) => void;

function setOnce(key: string): FieldHandler {
  return (d, v) => {
    if (v !== '' && d.attrs[key] === undefined) d.attrs[key] = v;
  };
}

function setPid(d: Draft, v: string): void {
  // pid once held a container id (kata-containers#2185): keep such text, never coerce it.
  if (/^\d{1,10}$/.test(v)) d.attrs[K.PROCESS_PID] = Number(v);
  else if (v !== '') d.attrs[K.FIELD_PREFIX + 'pid'] = v;
}

function setName(d: Draft, v: string): void {
  // Code that adds its own `name` field overwrites the program name (name=grpc.CheckRequest).
  if (v.startsWith('grpc.')) d.attrs[K.AGENT_RPC] = v.slice(5);
  else if (v !== '') d.attrs[K.LOGGER_NAME] = v;
}

function setSubsystem(d: Draft, v: string): void {
  d.attrs[K.SUBSYSTEM] = v;
  const hv = SUBSYSTEM_HYPERVISOR[v];
  if (hv !== undefined) setHypervisor(d, hv);
}

const SUBSYSTEM_HYPERVISOR: Record<string, 'qemu' | 'cloud-hypervisor' | 'firecracker' | 'dragonball' | 'stratovirt'> = {
  qemu: 'qemu', qmp: 'qemu', cloudHypervisor: 'cloud-hypervisor', clh: 'cloud-hypervisor',
  firecracker: 'firecracker', dragonball: 'dragonball', stratovirt: 'stratovirt',
};

function setCallerFile(d: Draft, v: string): void {
  // CRI-O's caller field is "pkg/file.go:701"; Kata's file= names a config file.
  const m = /^([\w./-]{1,256}\.go):(\d{1,7})$/.exec(v);
  if (m !== null) {
    d.attrs[K.CODE_FILE_PATH] = m[1]!;
    d.attrs[K.CODE_LINE_NUMBER] = Number(m[2]);
  } else {
    d.attrs[K.FIELD_PREFIX + 'file'] = v;
  }
}

function setRequest(d: Draft, v: string): void {
  d.attrs[K.FIELD_PREFIX + 'req'] = v;
  // 1.x agent gRPC dumps carry container_id:"..." (the Go log-parser read it the same way).
  const m = /container_id:\\?"([^"\\]{1,128})/.exec(v);
  if (m !== null && d.attrs[K.CONTAINER_ID] === undefined) d.attrs[K.CONTAINER_ID] = m[1]!;
}

function setContainerdId(d: Draft, v: string): void {
  // containerd's id= is the task id; for a shim it is the sandbox id.
  d.attrs[K.FIELD_PREFIX + 'id'] = v;
  if (d.attrs[K.SANDBOX_ID] === undefined && isHex64(v) && /shim/.test(d.record.body)) d.attrs[K.SANDBOX_ID] = v;
}

const HANDLERS = new Map<string, FieldHandler>(Object.entries({
  pid: setPid,
  name: setName,
  source: (d, v) => {
    d.attrs[K.SOURCE] = v;
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
      d.attrs[K.K8S_NAMESPACE_NAME] = v.slice(0, slash);
      d.attrs[K.K8S_POD_NAME] = v.slice(slash + 1);
    } else if (v !== '') d.attrs[K.K8S_POD_NAME] = v;
  },
} satisfies Record<string, FieldHandler>));

/** Applies one emitter field. `time`, `level`, `msg`, `ts` are handled by the format parser. */
export function applyField(d: Draft, key: string, value: string): void {
  const h = HANDLERS.get(key);
  if (h !== undefined) h(d, value);
  else if (key !== '') d.attrs[K.FIELD_PREFIX + key] = value;
}
