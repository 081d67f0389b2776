/**
 * Deterministic generator of a mixed-format Kata node log, for the throughput and memory
 * benchmark (bench/run.ts) and its unit test.
 *
 * The SHAPES come from the real lines in test/fixtures/kata-logs/; the values (sandbox and
 * container ids, pids, timestamps, messages, guest uptimes) are drawn from a seeded PRNG so
 * no line is a trivially repeated string and the same seed always gives the same bytes.
 *
 * The mix models one Kubernetes node with Kata debug on (`enable_debug`, `agent.log=debug`,
 * containerd `level="debug"`) read with `journalctl` short output, with a few bare pastes
 * mixed in (decoded console streams, damaged text):
 *
 * - Go shim logfmt under `kata[shim pid]`, each record repeated under `containerd[pid]`
 *   a few lines later (the shim's stderr re-emitted by containerd, research §2.4);
 * - the shim's `msg="reading guest console"` records whose `vmconsole=` carries guest printk
 *   lines or Go-quoted agent JSON (§4.1), also duplicated;
 * - bare agent slog JSON (decoded console stream, §5.1), key order varying per record;
 * - runtime-rs ≤3.19 slog JSON under `containerd[pid]` with agent JSON nested in `msg` (§5.2);
 * - runtime-rs ≥3.20 plain journald text under `kata[pid]`, `vm console: "…"` included (§6);
 * - hypervisor output: cloud-hypervisor lines in `vmconsole=`, QEMU stderr relayed by the
 *   shim, C virtiofsd `[ID: …]` journal lines (§7);
 * - containerd's own logfmt and kubelet klog lines (§8);
 * - a few multi-line Go panics re-emitted by containerd, one journal entry per line (§3.1);
 * - a little damaged text that no parser can claim (the only `failed` records expected).
 *
 * Usage: node dist/bench/corpus.js [--lines N] [--seed S] [--out FILE] [--summary-json FILE] [--quiet]
 */
import * as fs from 'node:fs';
import { goQuote, rustDebugQuote } from '../receiver/kata/quote';
import * as path from 'node:path';

// ---------------------------------------------------------------------------------------
// Mix

export const FAMILIES = [
  'shim-logfmt',
  'vmconsole',
  'agent-json',
  'runtime-rs-json',
  'runtime-rs-text',
  'hypervisor',
  'containerd-kubelet',
  'go-panic',
  'malformed',
] as const;
export type Family = (typeof FAMILIES)[number];

export interface FamilySpec {
  family: Family;
  /** Target share of physical lines, percent. */
  share: number;
  /** Mean physical lines one event of this family writes (duplicates and panics > 1). */
  linesPerEvent: number;
  description: string;
}

/** Target line shares; the realised mix is measured and reported by `summarize`. */
export const MIX: readonly FamilySpec[] = [
  { family: 'shim-logfmt', share: 38, linesPerEvent: 2, description: 'Go shim logfmt, journal short prefix, kata[pid] + containerd[pid] duplicate' },
  { family: 'vmconsole', share: 22, linesPerEvent: 2, description: 'shim "reading guest console": vmconsole= guest printk (40%) or agent JSON (60%), duplicated' },
  { family: 'agent-json', share: 8, linesPerEvent: 1, description: 'bare kata-agent slog JSON (decoded console stream)' },
  { family: 'runtime-rs-json', share: 7, linesPerEvent: 1, description: 'runtime-rs <=3.19 slog JSON under containerd[pid], agent JSON nested in msg (80%)' },
  { family: 'runtime-rs-text', share: 6, linesPerEvent: 1, description: 'runtime-rs >=3.20 plain journald text under kata[pid], vm console: included' },
  { family: 'hypervisor', share: 7, linesPerEvent: 1.7, description: 'cloud-hypervisor via vmconsole, QEMU stderr via the shim (both duplicated), C virtiofsd journal lines' },
  { family: 'containerd-kubelet', share: 11.6, linesPerEvent: 1, description: 'containerd own logfmt records and kubelet klog lines' },
  { family: 'go-panic', share: 0.1, linesPerEvent: 17, description: 'multi-line Go panic re-emitted by containerd, one journal entry per line' },
  { family: 'malformed', share: 0.3, linesPerEvent: 1, description: 'damaged text no parser recognises (paste fragments, binary junk, doc fences)' },
];

export const DEFAULT_SEED = 0x6b617461; // "kata"
/** 2025-11-20T06:00:00Z: every generated time is after this and strictly increasing. */
export const DEFAULT_START_MILLIS = Date.UTC(2025, 10, 20, 6, 0, 0);

// ---------------------------------------------------------------------------------------
// Seeded PRNG (sfc32, state seeded through splitmix32)

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Exponentially distributed with the given mean. */
  expo(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  hex(chars: number): string {
    let s = '';
    while (s.length < chars) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, chars);
  }

  alnum(chars: number): string {
    const abc = 'bcdfghjklmnpqrstvwxz2456789';
    let s = '';
    for (let i = 0; i < chars; i++) s += abc[this.int(abc.length)];
    return s;
  }

  /** Fisher–Yates in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}

// ---------------------------------------------------------------------------------------
// Text helpers: Go logfmt quoting, Rust Debug strings, clocks

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** logrus writes a value bare when every character is in [A-Za-z0-9-._/@^+]. */
function needsQuote(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ||
      c === 45 || c === 46 || c === 95 || c === 47 || c === 64 || c === 94 || c === 43;
    if (!ok) return true;
  }
  return false;
}


function logfmtValue(v: string): string {
  return v !== '' && needsQuote(v) ? goQuote(v) : v;
}

/** `time=… level=… msg=…` then the other fields sorted by byte value, as logrus does. */
function logrusLine(time: string, level: string, msg: string, fields: Array<[string, string]>): string {
  fields.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let s = `time="${time}" level=${level}`;
  if (msg !== '') s += ' msg=' + logfmtValue(msg);
  for (const [k, v] of fields) s += ' ' + k + '=' + logfmtValue(v);
  return s;
}


/** A slog-json line: msg, level, ts first, the rest in per-record HashMap order. */
function slogJson(rng: Rng, msg: string, level: string, ts: string, rest: Array<[string, string]>): string {
  rng.shuffle(rest);
  let s = '{"msg":' + JSON.stringify(msg) + ',"level":"' + level + '","ts":"' + ts + '"';
  for (const [k, v] of rest) s += ',' + JSON.stringify(k) + ':' + JSON.stringify(v);
  return s + '}';
}

/**
 * The node's clock: whole seconds plus nanoseconds, strictly increasing. Host time is UTC
 * (`Z`), as on most Kubernetes nodes; date strings are cached per second.
 */
class Clock {
  sec: number;
  nsec = 0;
  private cachedSec = -1;
  private isoDate = '';
  private journal = '';
  private klogDate = '';

  constructor(startMillis: number) {
    this.sec = Math.floor(startMillis / 1000);
    this.nsec = (startMillis % 1000) * 1e6;
  }

  advance(ns: number): void {
    this.nsec += Math.max(1, Math.round(ns));
    if (this.nsec >= 1e9) {
      this.sec += Math.floor(this.nsec / 1e9);
      this.nsec %= 1e9;
    }
  }

  private refresh(): void {
    if (this.cachedSec === this.sec) return;
    this.cachedSec = this.sec;
    const d = new Date(this.sec * 1000);
    const hms = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
    this.isoDate = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${hms}`;
    this.journal = `${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())} ${hms}`;
    this.klogDate = `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())} ${hms}`;
  }

  /** Go RFC3339Nano: trailing zeros of the fraction trimmed, `Z`. */
  goTime(): string {
    this.refresh();
    if (this.nsec === 0) return this.isoDate + 'Z';
    return this.isoDate + '.' + String(this.nsec).padStart(9, '0').replace(/0+$/, '') + 'Z';
  }

  /** The guest's clock runs a little behind the host's; agent (time crate) format. */
  agentTime(skewNs: number): string {
    let s = this.sec;
    let n = this.nsec - skewNs;
    while (n < 0) {
      n += 1e9;
      s--;
    }
    const d = new Date(s * 1000);
    const iso = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
    const frac = String(n).padStart(9, '0').replace(/0+$/, '');
    return frac === '' ? iso + 'Z' : iso + '.' + frac + 'Z';
  }

  /** env_logger's second-precision UTC time. */
  secondTime(): string {
    this.refresh();
    return this.isoDate + 'Z';
  }

  journalPrefix(host: string, ident: string, pid: number): string {
    this.refresh();
    return `${this.journal} ${host} ${ident}[${pid}]: `;
  }

  /** klog header date and time with microseconds: `1120 06:00:01.123456`. */
  klog(): string {
    this.refresh();
    return this.klogDate + '.' + String(Math.floor(this.nsec / 1000)).padStart(6, '0');
  }
}

// ---------------------------------------------------------------------------------------
// The node's moving parts

interface Container {
  id: string;
  name: string;
  execs: string[];
}

interface Sandbox {
  id: string;
  shimPid: number;
  agentPid: number;
  hypervisor: 'qemu' | 'clh';
  rust: boolean;
  containers: Container[];
  pod: string;
  podNs: string;
  podUid: string;
  /** Guest uptime in µs (printk) and cloud-hypervisor elapsed time in µs. */
  uptimeUs: number;
  clhUs: number;
  consoleUrl: string;
  consoleProto: string;
  agentSkewNs: number;
  seq: number;
  virtiofsdPid: number;
  virtiofsdUnique: number;
}

const APPS = ['nginx', 'redis', 'postgres', 'api-gateway', 'payments', 'ml-infer', 'etl-worker', 'frontend', 'kafka-connect', 'prometheus', 'coredns', 'fluent-bit', 'vault-agent', 'batch-job', 'cuda-train', 'grafana'];
const NAMESPACES = ['default', 'prod', 'staging', 'kube-system', 'monitoring', 'ml', 'payments', 'kata-containers-system', 'ci'];
const IMAGES = ['docker.io/library/nginx:1.27', 'docker.io/library/redis:7.4', 'quay.io/prometheus/prometheus:v2.54.1', 'registry.k8s.io/pause:3.10', 'ghcr.io/acme/payments:2.18.3', 'nvcr.io/nvidia/pytorch:24.10-py3', 'docker.io/library/postgres:17', 'docker.io/fluent/fluent-bit:3.1'];
const AGENT_RPCS = ['stats_container', 'wait_process', 'read_stdout', 'read_stderr', 'write_stdin', 'create_container', 'start_container', 'exec_process', 'signal_process', 'remove_container', 'get_guest_details', 'update_interface', 'update_routes', 'add_arp_neighbors', 'online_cpu_mem', 'get_oom_event', 'get_metrics', 'list_interfaces', 'copy_file', 'create_sandbox', 'tty_win_resize', 'close_stdin', 'update_container', 'mem_hotplug_by_probe'];
const SHIM_OPS = ['State', 'Stats', 'Wait', 'Exec', 'Kill', 'Delete', 'Update', 'Pids', 'Connect', 'ResizePty', 'CloseIO', 'Start', 'Create'];
const GRPC_REQS = ['StatsContainerRequest', 'WaitProcessRequest', 'ReadStreamRequest', 'SignalProcessRequest', 'ExecProcessRequest', 'CheckRequest', 'GetOOMEventRequest', 'UpdateRoutesRequest', 'UpdateInterfaceRequest', 'CreateContainerRequest', 'StartContainerRequest', 'RemoveContainerRequest', 'GetMetricsRequest'];
const UNITS = ['systemd-journald.service', 'kata-agent.service', 'systemd-tmpfiles-setup.service', 'chronyd.service', 'systemd-udevd.service', 'dbus.socket', 'local-fs.target', 'sockets.target', 'basic.target', 'kata-containers.target'];
const COMMS = ['python3', 'java', 'node', 'postgres', 'redis-server', 'nginx', 'ruby', 'ffmpeg', 'stress-ng'];
const CGROUP_SUBS = ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma'];

function podName(rng: Rng): string {
  return `${rng.pick(APPS)}-${rng.hex(10)}-${rng.alnum(5)}`;
}

function uuid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function newSandbox(rng: Rng, rust: boolean): Sandbox {
  const id = rng.hex(64);
  const pod = podName(rng);
  const containers: Container[] = [];
  const n = rng.range(1, 3);
  for (let i = 0; i < n; i++) containers.push({ id: rng.hex(64), name: i === 0 ? pod.split('-')[0]! : rng.pick(['sidecar', 'init-db', 'envoy', 'log-shipper']), execs: [] });
  const hypervisor = rust ? 'qemu' : rng.chance(0.7) ? 'qemu' : 'clh';
  return {
    id,
    shimPid: rng.range(100_000, 3_999_999),
    agentPid: rng.chance(0.5) ? 1 : rng.range(50, 220),
    hypervisor,
    rust,
    containers,
    pod,
    podNs: rng.pick(NAMESPACES),
    podUid: uuid(rng),
    uptimeUs: rng.range(300_000, 2_000_000),
    clhUs: rng.range(30_000, 120_000),
    consoleProto: hypervisor === 'clh' && rng.chance(0.3) ? 'pty' : 'unix',
    consoleUrl: '',
    agentSkewNs: rng.range(1_000, 40_000_000),
    seq: rng.range(1000, 9000),
    virtiofsdPid: rng.range(100_000, 3_999_999),
    virtiofsdUnique: rng.range(2, 400),
  };
}

// ---------------------------------------------------------------------------------------
// The generator

export interface CorpusOptions {
  lines: number;
  seed?: number;
  startMillis?: number;
}

export type LineSink = (text: string, family: Family) => void;

interface Queued {
  text: string;
  family: Family;
  /** Emit once this many more lines have been written. */
  after: number;
}

export class CorpusGenerator {
  private readonly rng: Rng;
  private readonly clock: Clock;
  private readonly host: string;
  private readonly containerdPid: number;
  private readonly kubeletPid: number;
  private readonly goPool: Sandbox[] = [];
  private readonly rsPool: Sandbox[] = [];
  private readonly queue: Queued[] = [];
  private readonly eventWeights: number[];
  private readonly eventTotal: number;
  private remaining = 0;
  private sink: LineSink = () => {};
  private panicGoroutine: number;

  constructor(private readonly opts: CorpusOptions) {
    this.rng = new Rng(opts.seed ?? DEFAULT_SEED);
    this.clock = new Clock(opts.startMillis ?? DEFAULT_START_MILLIS);
    this.host = `ip-10-${this.rng.range(0, 255)}-${this.rng.range(0, 255)}-${this.rng.range(1, 254)}`;
    this.containerdPid = this.rng.range(600, 4000);
    this.kubeletPid = this.rng.range(600, 4000);
    this.panicGoroutine = this.rng.range(1000, 400000);
    for (let i = 0; i < 12; i++) this.goPool.push(newSandbox(this.rng, false));
    for (let i = 0; i < 4; i++) this.rsPool.push(newSandbox(this.rng, true));
    for (const s of [...this.goPool, ...this.rsPool]) this.finishSandbox(s);
    // Events are drawn so that each family's LINE share approaches its target.
    this.eventWeights = MIX.map((m) => m.share / m.linesPerEvent);
    this.eventTotal = this.eventWeights.reduce((a, b) => a + b, 0);
  }

  private finishSandbox(s: Sandbox): void {
    s.consoleUrl = s.consoleProto === 'pty' ? `/dev/pts/${this.rng.range(0, 9)}` : `/run/vc/vm/${s.id}/console.sock`;
  }

  /** Writes exactly `opts.lines` lines to the sink. */
  run(sink: LineSink): void {
    this.sink = sink;
    this.remaining = this.opts.lines;
    while (this.remaining > 0) {
      // Delayed containerd copies come out first when due, or when only they still fit.
      if (this.queue.length > 0 && (this.queue[0]!.after <= 0 || this.queue.length >= this.remaining)) {
        const q = this.queue.shift()!;
        this.write(q.text, q.family);
        continue;
      }
      this.event(this.remaining - this.queue.length);
    }
  }

  /** One line out; ticks the clock and the queued duplicates. */
  private write(text: string, family: Family): void {
    this.sink(text, family);
    this.remaining--;
    for (const q of this.queue) q.after--;
    // Mean gap 1.2 ms: a busy node, about 50 minutes per million lines.
    this.clock.advance(this.rng.expo(1_200_000));
  }

  private duplicateLater(payload: string, family: Family): void {
    this.queue.push({ text: this.clock.journalPrefix(this.host, 'containerd', this.containerdPid) + payload, family, after: this.rng.range(0, 3) });
  }

  private pickFamily(): Family {
    let x = this.rng.float() * this.eventTotal;
    for (let i = 0; i < MIX.length; i++) {
      x -= this.eventWeights[i]!;
      if (x < 0) return MIX[i]!.family;
    }
    return MIX[MIX.length - 1]!.family;
  }

  private sandbox(rust: boolean): Sandbox {
    const pool = rust ? this.rsPool : this.goPool;
    // Pods come and go: now and then one sandbox is replaced by a new one.
    if (this.rng.chance(rust ? 0.0008 : 0.0004)) {
      const i = this.rng.int(pool.length);
      pool[i] = newSandbox(this.rng, rust);
      this.finishSandbox(pool[i]!);
    }
    // A few busy sandboxes produce most of the text.
    const i = Math.min(pool.length - 1, Math.floor(this.rng.expo(pool.length / 3)));
    return pool[i]!;
  }

  /** Emits one event using at most `room` lines (room >= 1). */
  private event(room: number): void {
    let family = this.pickFamily();
    if (room < 2 && (family === 'shim-logfmt' || family === 'vmconsole' || family === 'hypervisor')) family = 'agent-json';
    switch (family) {
      case 'shim-logfmt': return this.shimEvent();
      case 'vmconsole': return this.vmconsoleEvent();
      case 'agent-json': return this.write(this.agentJson(this.sandbox(false)), 'agent-json');
      case 'runtime-rs-json': return this.runtimeRsJsonEvent();
      case 'runtime-rs-text': return this.runtimeRsTextEvent();
      case 'hypervisor': return this.hypervisorEvent();
      case 'containerd-kubelet': return this.containerManagerEvent();
      case 'go-panic': return this.panicEvent(room);
      case 'malformed': return this.write(this.malformed(), 'malformed');
    }
  }

  // -- Go shim --------------------------------------------------------------------------

  private shimRecord(family: Family, s: Sandbox, level: string, msg: string, fields: Array<[string, string]>, base = true): void {
    if (base) {
      fields.push(['name', 'containerd-shim-v2'], ['pid', String(s.shimPid)], ['sandbox', s.id]);
    }
    const payload = logrusLine(this.clock.goTime(), level, msg, fields);
    this.write(this.clock.journalPrefix(this.host, 'kata', s.shimPid) + payload, family);
    this.duplicateLater(payload, family);
  }

  private shimEvent(): void {
    const r = this.rng;
    const s = this.sandbox(false);
    const c = r.pick(s.containers);
    const k = r.int(100);
    if (k < 30) {
      const op = r.pick(SHIM_OPS);
      const fields: Array<[string, string]> = [['container', c.id], ['source', 'containerd-kata-shim-v2']];
      return this.shimRecord('shim-logfmt', s, 'debug', `${op}() ${r.chance(0.5) ? 'start' : 'end'}`, fields);
    }
    if (k < 48) {
      const req = r.pick(GRPC_REQS);
      const fields: Array<[string, string]> = [['source', 'virtcontainers'], ['subsystem', 'kata_agent']];
      fields.push(['req', `&${req.replace('Request', '')}Request{ContainerId:${c.id},ExecId:${r.chance(0.3) ? r.hex(64) : ''},XXX_unrecognized:[],}`]);
      const p = logrusLine(this.clock.goTime(), 'debug', 'sending request', [...fields, ['name', `grpc.${req}`], ['pid', String(s.shimPid)], ['sandbox', s.id]]);
      this.write(this.clock.journalPrefix(this.host, 'kata', s.shimPid) + p, 'shim-logfmt');
      this.duplicateLater(p, 'shim-logfmt');
      return;
    }
    if (k < 56) {
      const qmp = r.pick([
        '{"execute":"query-status"}',
        '{"return": {"status": "running", "singlestep": false, "running": true}}',
        `{"execute":"device_add","arguments":{"addr":"0x${r.range(2, 31).toString(16)}","bus":"pcie.0","driver":"virtio-blk-pci","drive":"drive-${r.hex(20)}","id":"virtio-${r.hex(8)}","share-rw":"on"}}`,
        '{"return": {}}',
        `{"timestamp": {"seconds": ${this.clock.sec}, "microseconds": ${Math.floor(this.clock.nsec / 1000)}}, "event": "DEVICE_DELETED", "data": {"path": "/machine/peripheral/virtio-${r.hex(8)}/virtio-backend"}}`,
        `{"execute":"qom-get","arguments":{"path":"/machine/peripheral-anon/device[${r.range(0, 9)}]","property":"mac"}}`,
      ]);
      return this.shimRecord('shim-logfmt', s, 'info', qmp, [['source', 'virtcontainers'], ['subsystem', 'qmp']]);
    }
    if (k < 64) {
      const state = r.pick(['ready', 'running', 'paused', 'stopped', 'created']);
      const next = r.pick(['running', 'stopped', 'paused', 'ready']);
      return this.shimRecord('shim-logfmt', s, 'debug', `Setting container(${c.id}) state from ${state} to ${next}`, [['source', 'virtcontainers'], ['subsystem', 'container']]);
    }
    if (k < 72) {
      const msg = r.pick(['Sandbox is started', 'VM started', 'console watcher starts', 'Starting VM', 'Stopping sandbox in the VM', 'Stopping VM', 'Setting sandbox state from ready to running', 'Endpoints found after scan', 'Detaching endpoint', 'Sandbox not found creating', 'Stopping Sandbox', 'cleanup agent', 'Agent started in the sandbox', 'hypervisor pid is ' + r.range(1000, 3999999)]);
      const sub = r.pick(['sandbox', 'sandbox', 'network', s.hypervisor === 'clh' ? 'cloudHypervisor' : 'qemu', 'kata_agent']);
      const f: Array<[string, string]> = [['source', 'virtcontainers'], ['subsystem', sub]];
      if (sub === 'cloudHypervisor') f.push(['function', r.pick(['startSandbox', 'stopSandbox', 'createSandbox', 'capabilities', 'hotplugAddDevice'])]);
      if (msg.startsWith('Endpoints')) f.push(['endpoints', `[{"NetPair":{"ID":"${uuid(r)}","Name":"br0_kata","VirtIface":{"Name":"eth0","HardAddr":"${macAddr(r)}"},"TapInterface":{"ID":"","Name":"tap0_kata"},"NetInterworkingModel":3},"EndpointProperties":{"Iface":{"Index":${r.range(2, 40)},"MTU":1500,"Name":"eth0"}}}]`]);
      return this.shimRecord('shim-logfmt', s, 'info', msg, f);
    }
    if (k < 78) {
      const dev = r.pick(['block', 'vfio', 'vhost-user-fs', 'netdev', 'memory']);
      return this.shimRecord('shim-logfmt', s, 'debug', r.pick(['hot adding device', 'Device added', 'Adding extra file', 'hotplug device']), [
        ['device', `${dev}-${r.hex(16)}`], ['device-type', dev], ['source', 'virtcontainers'], ['subsystem', r.pick(['hypervisor', 'device', 'qemu'])],
      ]);
    }
    if (k < 83) {
      return this.shimRecord('shim-logfmt', s, 'info', 'loaded configuration', [
        ['file', r.pick(['/opt/kata/share/defaults/kata-containers/configuration-qemu.toml', '/etc/kata-containers/configuration.toml', '/opt/kata/share/defaults/kata-containers/configuration-clh.toml'])],
        ['format', 'TOML'], ['source', 'katautils'],
      ]);
    }
    if (k < 88) {
      return this.shimRecord('shim-logfmt', s, 'debug', r.pick(['Creating cgroups', 'updating sandbox cgroups', 'cgroup manager updated']), [
        ['path', `/kubepods/burstable/pod${s.podUid}/${c.id}`], ['source', 'virtcontainers'], ['subsystem', 'cgroups'],
      ]);
    }
    if (k < 92) {
      return this.shimRecord('shim-logfmt', s, 'warning', r.pick(['failed to get OOM event from sandbox', 'sandbox\'s cgroup won\'t be updated: cgroup path is empty', 'Could not detach endpoint', 'failed to cleanup the sandbox shared dir']), [
        ['error', r.pick(['ttrpc: closed', 'context canceled', `rpc error: code = NotFound desc = container ${c.id} not found`, 'open /run/vc/sbs/' + s.id + '/persist.json: no such file or directory'])],
        ['source', r.pick(['containerd-kata-shim-v2', 'virtcontainers'])],
      ]);
    }
    if (k < 94) {
      return this.shimRecord('shim-logfmt', s, 'error', r.pick(['failed to create listener', 'Failed to read guest console logs', 'hook error', 'failed to delete sandbox']), [
        ['error', r.pick([`remove /run/vc/vm/${s.id}/clh.sock: no such file or directory`, 'read /dev/ptmx: input/output error', `exit status 1: stdout: , stderr: time="${this.clock.goTime()}" level=fatal msg="stat : no such file or directory"\nFailed to write to log`, 'Dead agent'])],
        ['source', 'virtcontainers'], ['subsystem', r.pick(['sandbox', 'hook', 'shim-management'])],
      ]);
    }
    if (k < 97) {
      return this.shimRecord('shim-logfmt', s, 'debug', 'scanner return error: read unix @->/run/vc/vm/' + s.id + '/qmp.sock: use of closed network connection', [['source', 'virtcontainers'], ['subsystem', 'qmp']]);
    }
    // The oci/compatoci records carry no name/pid (research §2.2).
    this.shimRecord('shim-logfmt', s, 'info', r.pick([`shm-size detected: ${r.pick([67108864, 134217728, 2147483648])}`, 'IOMMUPlatform is disabled by default.', `Kata containers annotations: io.katacontainers.config.hypervisor.default_memory=${r.pick([2048, 4096, 8192])}`]), [
      ['source', 'virtcontainers'], ['subsystem', r.pick(['oci', 'compatoci'])],
    ], false);
  }

  // -- guest console through the Go shim --------------------------------------------------

  private consoleFields(s: Sandbox, payload: string): Array<[string, string]> {
    return [['console-protocol', s.consoleProto], ['console-url', s.consoleUrl], ['source', 'virtcontainers'], ['subsystem', 'sandbox'], ['vmconsole', payload]];
  }

  private vmconsoleEvent(): void {
    const s = this.sandbox(false);
    const payload = this.rng.chance(0.4) ? this.printk(s) : this.agentJson(s);
    this.shimRecord('vmconsole', s, 'debug', 'reading guest console', this.consoleFields(s, payload));
  }

  private printk(s: Sandbox): string {
    const r = this.rng;
    s.uptimeUs += Math.round(r.expo(40_000));
    const up = (s.uptimeUs / 1e6).toFixed(6).padStart(12);
    const k = r.int(16);
    let m: string;
    switch (k) {
      case 0: m = `virtio_blk virtio${r.range(1, 9)}: [vd${'abcdef'[r.int(6)]}] ${r.range(1, 64) * 262144} 512-byte logical blocks (${r.range(1, 64) * 134} MB/${r.range(1, 64) * 128} MiB)`; break;
      case 1: m = `EXT4-fs (vd${'abcdef'[r.int(6)]}): mounted filesystem ${uuid(r)} r/w with ordered data mode. Quota mode: none.`; break;
      case 2: m = `pci 0000:00:${pad2(r.range(1, 31))}.0: [1af4:10${r.hex(2)}] type 00 class 0x0${r.hex(5)} conventional PCI endpoint`; break;
      case 3: m = `IPv6: ADDRCONF(NETDEV_CHANGE): eth${r.range(0, 3)}: link becomes ready`; break;
      case 4: m = `systemd[1]: Started ${r.pick(UNITS)}.`; break;
      case 5: m = `memmap_init_zone_device initialised ${r.range(1, 64) * 4096} pages in ${r.range(1, 40)}ms`; break;
      case 6: m = `${r.pick(COMMS)}[${r.range(200, 9999)}]: segfault at ${r.hex(12)} ip 0000${r.hex(12)} sp 00007ff${r.hex(9)} error 4 in libc.so.6[7f${r.hex(10)}+${r.hex(6)}]`; break;
      case 7: m = `Memory cgroup out of memory: Killed process ${r.range(200, 99999)} (${r.pick(COMMS)}) total-vm:${r.range(10000, 9000000)}kB, anon-rss:${r.range(1000, 4000000)}kB, file-rss:${r.range(0, 9000)}kB, shmem-rss:0kB, UID:${r.pick([0, 1000, 65534])} pgtables:${r.range(100, 9000)}kB oom_score_adj:${r.pick([-997, 999, 1000, 968])}`; break;
      case 8: m = `virtiofs virtio${r.range(1, 9)}: virtio_fs_setup_dax: No cache capability`; break;
      case 9: m = `calling  ${r.pick(['failover_init', 'net_failover_init', 'virtio_vsock_init', 'vsock_init', 'virtio_fs_init', 'init_misc_binfmt', 'ip_auto_config'])}+0x0/0x${r.hex(2)} @ 1`; break;
      case 10: m = `initcall ${r.pick(['virtio_net_driver_init', 'virtio_blk_init', 'virtio_pci_driver_init', 'nf_conntrack_standalone_init'])}+0x0/0x${r.hex(2)} returned 0 after ${r.range(1, 900)} usecs`; break;
      case 11: m = `random: crng init done`; break;
      case 12: m = `audit: type=1400 audit(${this.clock.sec}.${r.range(100, 999)}:${r.range(2, 900)}): apparmor="STATUS" operation="profile_load" profile="unconfined" name="cri-containerd.apparmor.d" pid=${r.range(100, 9999)} comm="apparmor_parser"`; break;
      case 13: m = `pci 0000:0${r.range(1, 9)}:00.0: BAR ${r.pick([0, 2, 4])} [mem 0x${r.hex(12)}-0x${r.hex(12)} 64bit pref]: assigned`; break;
      case 14: m = `nvidia 0000:0${r.range(1, 9)}:00.0: enabling device (0140 -> 0142)`; break;
      default: m = `NET: Registered PF_${r.pick(['VSOCK', 'INET6', 'PACKET', 'NETLINK'])} protocol family`; break;
    }
    return `[${up}] ${m}`;
  }

  // -- kata-agent ---------------------------------------------------------------------------

  private agentJson(s: Sandbox): string {
    const r = this.rng;
    const base: Array<[string, string]> = [['version', '0.1.0'], ['name', 'kata-agent'], ['source', 'agent'], ['pid', String(s.agentPid)]];
    const ts = this.clock.agentTime(s.agentSkewNs);
    const c = r.pick(s.containers);
    const k = r.int(100);
    if (k < 28) {
      const rpc = r.pick(AGENT_RPCS);
      return slogJson(r, `rpc call from shim to agent: ${JSON.stringify(rpc)}`, r.chance(0.6) ? 'INFO' : 'DEBG', ts, [...base, ['subsystem', 'rpc']]);
    }
    if (k < 40) {
      const req = r.pick(GRPC_REQS);
      return slogJson(r, `policy check: ${req}`, 'DEBG', ts, [...base, ['subsystem', 'rpc']]);
    }
    if (k < 52) {
      const dev = 'abcdefgh'[r.int(8)];
      const action = r.pick(['add', 'remove', 'bind', 'change']);
      const seq = String(++s.seq);
      const ev = `Uevent { action: "${action}", devpath: "/devices/pci0000:00/0000:00:${pad2(r.range(1, 31))}.0/virtio${r.range(1, 9)}/block/vd${dev}", devname: "vd${dev}", subsystem: "block", seqnum: "${seq}", interface: "" }`;
      return r.chance(0.5)
        ? slogJson(r, 'got uevent message', 'INFO', ts, [...base, ['subsystem', 'uevent'], ['event', ev]])
        : slogJson(r, `Waiting for PciMatcher { devpath: "/devices/pci0000:00/0000:00:${pad2(r.range(1, 31))}.0" }: found ${ev} on channel`, 'INFO', ts, [...base, ['subsystem', 'uevent']]);
    }
    if (k < 60) {
      return r.chance(0.5)
        ? slogJson(r, 'handling signal', 'INFO', ts, [...base, ['subsystem', 'signals'], ['signal', 'SIGCHLD']])
        : slogJson(r, 'wait_status', 'INFO', ts, [...base, ['subsystem', 'signals'], ['wait_status result', `Exited(Pid(${r.range(100, 9999)}), ${r.pick([0, 0, 0, 1, 137, 143])})`]]);
    }
    if (k < 75) {
      const msg = r.pick([
        'enter container.start!', 'exec fifo opened!', `child pid: ${r.range(100, 9999)}`, 'try to send spec from parent to child',
        'wait child received oci spec', 'temporary parent process exit successfully', 'notify parent to send oci process',
        `setup rootfs /run/kata-containers/${c.id}/rootfs`, `process command: ["/bin/sh","-c","${r.pick(COMMS)} --port ${r.range(1000, 65000)}"]`,
        'ready to run exec', 'read child process log end', 'create process completed', `mount cgroup subsystem ${r.pick(CGROUP_SUBS)}`,
      ]);
      const f: Array<[string, string]> = [...base, ['subsystem', 'container'], ['module', 'rustjail'], ['cid', c.id], ['eid', r.chance(0.7) ? c.id : r.hex(64)]];
      if (r.chance(0.6)) f.push(['action', r.pick(['child process log', 'join-namespaces'])]);
      return slogJson(r, msg, 'INFO', ts, f);
    }
    if (k < 86) {
      const tokenDir = `..${this.clock.secondTime().slice(0, 10).replace(/-/g, '_')}_${pad2(r.range(0, 23))}_${pad2(r.range(0, 59))}_${pad2(r.range(0, 59))}.${r.range(100000000, 999999999)}`;
      return slogJson(r, `Scanning path: /run/kata-containers/shared/containers/${c.id}-${r.hex(16)}-serviceaccount/${tokenDir}/token`, 'DEBG', ts, [...base, ['subsystem', 'storage'], ['storage-type', 'watchable-bind']]);
    }
    if (k < 91) {
      return slogJson(r, `cgroup manager set resources for container. Resources input LinuxResources { devices: [LinuxDeviceCgroup { allow: false, type: "b", major: Some(${r.range(250, 260)}), minor: Some(${r.range(0, 8)}), access: "rw" }], memory: Some(LinuxMemory { limit: Some(${r.range(64, 8192) * 1048576}), reservation: None, swap: None, kernel: None, kernel_tcp: None, swappiness: None, disable_oom_killer: None }), cpu: Some(LinuxCPU { shares: Some(${r.range(2, 4096)}), quota: Some(${r.range(10000, 400000)}), period: Some(100000), realtime_runtime: None, realtime_period: None, cpus: None, mems: None }), pids: None, block_io: None, hugepage_limits: [], network: None, rdma: {} }`, 'INFO', ts, [...base, ['subsystem', 'cgroups']]);
    }
    if (k < 93) {
      // Rare multi-KB Debug dump (research §5.1: "very long single lines").
      const devs: string[] = [];
      const n = r.range(10, 30);
      for (let i = 0; i < n; i++) devs.push(`DeviceResource { allow: ${r.chance(0.8)}, devtype: ${r.pick(['Char', 'Block'])}, major: ${r.range(-1, 260)}, minor: ${r.range(-1, 255)}, access: [${r.pick(['Read, Write, MkNod', 'MkNod', 'Read, Write'])}] }`);
      return slogJson(r, `resources after processed Resources { memory: MemoryResources { kernel_memory_limit: None, memory_hard_limit: Some(${r.range(64, 8192) * 1048576}), memory_soft_limit: None, kernel_tcp_memory_limit: None, memory_swap_limit: None, swappiness: None, attrs: {} }, pid: PidResources { maximum_number_of_processes: None }, cpu: CpuResources { cpus: None, mems: None, shares: Some(${r.range(2, 4096)}), quota: None, period: None, realtime_runtime: None, realtime_period: None, attrs: {} }, devices: DeviceResources { devices: [${devs.join(', ')}] }, network: NetworkResources { class_id: None, priorities: [] }, hugepages: HugePageResources { limits: [] }, blkio: BlkIoResources { weight: None, leaf_weight: None, weight_device: [], throttle_read_bps_device: [], throttle_read_iops_device: [], throttle_write_bps_device: [], throttle_write_iops_device: [] } }`, 'INFO', ts, [...base, ['subsystem', 'cgroups']]);
    }
    if (k < 97) {
      return slogJson(r, r.pick([`"proc" is already mounted at "/proc"`, `"sysfs" is already mounted at "/sys"`, 'Initdata check device `ptmx`', `waiting for CDI spec(s) to be generated (${r.range(0, 99)} of 100 max tries) "unresolvable CDI devices nvidia.com/gpu=${r.range(0, 7)}"`]), r.pick(['INFO', 'DEBG']), ts, [...base, ['subsystem', r.pick(['baremount', 'initdata', 'cdi'])]]);
    }
    return slogJson(r, r.pick(['failed to get OOM event', 'process exited with error', `could not find container ${c.id}`]), r.pick(['WARN', 'ERRO']), ts, [...base, ['subsystem', 'rpc'], ['container-id', c.id], ['exec-id', r.hex(64)]]);
  }

  // -- runtime-rs ----------------------------------------------------------------------------

  private runtimeRsJsonEvent(): void {
    const r = this.rng;
    const s = this.sandbox(true);
    const ts = this.clock.agentTime(0);
    const base: Array<[string, string]> = [['version', '0.1.0'], ['name', 'kata-runtime'], ['source', s.id], ['pid', String(s.shimPid)]];
    let line: string;
    if (r.chance(0.8)) {
      const inner = this.agentJson(s);
      const lvl = /"level":"(\w+)"/.exec(inner)![1]!;
      line = slogJson(r, inner, lvl === 'DEBG' ? 'DEBG' : lvl === 'WARN' || lvl === 'ERRO' ? lvl : 'INFO', ts, [...base, ['subsystem', 'agent']]);
    } else {
      const c = r.pick(s.containers);
      const [sub, msg] = r.pick([
        ['runtimes', `====> task service StateProcess(ContainerProcess { container_id: ContainerID { container_id: "${c.id}" }, exec_id: "", process_type: Container })`],
        ['hypervisor', `QemuInner::add_device() ShareFs(ShareFsDevice { config: ShareFsConfig { host_shared_path: "/run/kata-containers/shared/sandboxes/${s.id}/shared", sock_path: "/run/kata/${s.id}/vhost-user-fs.sock", mount_tag: "kataShared", fs_type: "virtio-fs", queue_size: 1024, queue_num: 1, options: [], mount_config: None } })`],
        ['resource', `add share fs volume ${c.id}-${r.hex(16)}-hostname`],
        ['virt-container', `container ${c.id} state: Running`],
        ['hypervisor', 'start virtiofsd successfully'],
      ] as Array<[string, string]>);
      line = slogJson(r, msg, r.pick(['INFO', 'DEBG']), ts, [...base, ['subsystem', sub]]);
    }
    this.write(this.clock.journalPrefix(this.host, 'containerd', this.containerdPid) + line, 'runtime-rs-json');
  }

  private runtimeRsTextEvent(): void {
    const r = this.rng;
    const s = this.sandbox(true);
    const c = r.pick(s.containers);
    const k = r.int(100);
    let text: string;
    if (k < 30) {
      let line: string;
      if (r.chance(0.5)) {
        line = this.printk(s) + '\r';
      } else {
        const unit = r.pick(UNITS);
        line = r.chance(0.7)
          ? `[\u001b[0;32m  OK  \u001b[0m] ${r.pick(['Started', 'Reached target', 'Finished', 'Listening on'])} \u001b[0;1;39m${unit}\u001b[0m - ${r.pick(['Journal Service', 'Local File Systems', 'Socket Units', 'Kata Agent', 'Create Volatile Files and Directories'])}.\r`
          : `         Starting \u001b[0;1;39m${unit}\u001b[0m...\r`;
      }
      text = 'vm console: ' + rustDebugQuote(line);
    } else if (k < 55) {
      const op = r.pick(['StateProcess', 'WaitProcess', 'StatsContainer', 'ConnectContainer', 'ExecProcess', 'KillProcess']);
      text = `====> task service ${op}(ContainerProcess { container_id: ContainerID { container_id: "${c.id}" }, exec_id: "${r.chance(0.3) ? r.hex(64) : ''}", process_type: ${r.chance(0.8) ? 'Container' : 'Exec'} })`;
    } else if (k < 70) {
      text = `<==== task service ${r.pick(['ProcessState', 'StatsInfo', 'Pid', 'Empty'])}(${r.pick(['ProcessStateInfo', 'StatsInfo', 'PidResponse'])} { container_id: "${c.id}", exec_id: "", pid: PID { pid: ${r.range(1, 99999)} }, bundle: "/run/containerd/io.containerd.runtime.v2.task/k8s.io/${c.id}", status: ${r.pick(['Running', 'Stopped', 'Created'])}, exit_status: ${r.pick([0, 0, 137])}, exited_at: None })`;
    } else if (k < 80) {
      text = r.pick(['QMP not ready yet: qmp handshake failed', `method handle /containerd.task.v2.Task/${r.pick(['State', 'Stats', 'Wait', 'Kill'])} got error timed out`, 'start to run', 'begin to run service', 'wait server message', `agent: connected to vsock://${r.range(3, 4294967294)}:1024`]);
    } else if (k < 92) {
      text = `source: virtiofsd [${this.clock.secondTime()} ${r.pick(['INFO ', 'WARN ', 'DEBUG'])} virtiofsd] ${r.pick(['Waiting for vhost-user socket connection...', 'Client connected, servicing requests', `Failed to open /proc/self/mountinfo: ${r.pick(['EMFILE', 'ENOENT'])}`, 'Client disconnected, shutting down'])}`;
    } else {
      text = `qemu cmd: Command { std: "/opt/kata/bin/qemu-system-x86_64" "-name" "sandbox-${s.id}" "-uuid" "${uuid(r)}" "-machine" "q35,accel=kvm" "-cpu" "host,pmu=off" "-m" "${r.pick([2048, 4096])}M,slots=10,maxmem=${r.range(8, 64)}G" "-smp" "1,cores=1,threads=1,sockets=${r.range(2, 16)},maxcpus=${r.range(2, 16)}" "-qmp" "unix:fd=${r.range(3, 40)},server=on,wait=off", kill_on_drop: false }`;
    }
    this.write(this.clock.journalPrefix(this.host, 'kata', s.shimPid) + text, 'runtime-rs-text');
  }

  // -- hypervisors -----------------------------------------------------------------------------

  private hypervisorEvent(): void {
    const r = this.rng;
    const s = this.sandbox(false);
    const k = r.int(100);
    if (k < 35) {
      s.clhUs += Math.round(r.expo(30_000));
      const el = s.clhUs < 1e6 ? `${(s.clhUs / 1000).toFixed(6)}ms` : `${(s.clhUs / 1e6).toFixed(8)}s`;
      const [lvl, file, msg] = r.pick([
        ['INFO', 'vmm/src/cpu.rs:664', `Creating vCPU: cpu_id = ${r.range(0, 7)}`],
        ['INFO', 'vmm/src/cpu.rs:878', `Starting vCPUs: desired = ${r.range(1, 8)}, allocated = ${r.range(1, 8)}, present = 0`],
        ['DEBUG', 'virtio-devices/src/device.rs:334', `Resuming virtio-${r.pick(['vsock', 'block', 'net', 'fs', 'rng', 'console'])}`],
        ['INFO', 'vmm/src/device_manager.rs:1723', `Creating virtio-block device: DiskConfig { path: Some("/dev/mapper/${r.hex(16)}"), readonly: false, direct: true, iommu: false, num_queues: 1, queue_size: 128, vhost_user: false, vhost_socket: None, poll_queue: true, rate_limiter_config: None, id: Some("_disk${r.range(0, 9)}"), disable_io_uring: false, pci_segment: 0 }`],
        ['WARN', 'vmm/src/vm.rs:2210', 'Failed to reset virtio device: No reset handler'],
        ['INFO', 'vmm/src/api/mod.rs:412', `API request event: VmAddDevice(DeviceConfig { path: "/sys/bus/pci/devices/0000:${r.hex(2)}:00.0/", iommu: false, id: None, pci_segment: 0 }, Sender { .. })`],
      ] as Array<[string, string, string]>);
      return this.shimRecord('hypervisor', s, 'debug', 'reading guest console', this.consoleFields(s, `cloud-hypervisor: ${el}: ${lvl}:${file} -- ${msg}`));
    }
    if (k < 65) {
      const q = r.pick([
        `qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.80000001H:ECX.svm [bit ${r.range(0, 31)}]`,
        'qemu-system-x86_64: check_slave_message_entries: Non-multiple VhostUserFSSlaveMsg size, 256',
        `qemu-system-x86_64: -device vhost-user-fs-pci,chardev=char-${r.hex(16)},tag=kataShared: vhost_backend_init failed: Protocol error`,
        `qemu-system-x86_64: terminating on signal 15 from pid ${r.range(100, 3999999)} (/usr/local/bin/containerd-shim-kata-v2)`,
        `qemu-system-x86_64: vhost_set_mem_table failed: Invalid argument (22)`,
      ]);
      return this.shimRecord('hypervisor', s, 'debug', q, [['source', 'virtcontainers/hypervisor'], ['subsystem', 'qemu']]);
    }
    s.virtiofsdUnique += r.range(1, 6);
    const id = String(s.virtiofsdPid).padStart(8, '0');
    const msg = r.pick([
      `fv_queue_thread: Queue ${r.range(1, 2)} gave evalue: 1 available: in: ${r.range(16, 4096)} out: ${r.range(40, 200)}`,
      `unique: ${s.virtiofsdUnique}, opcode: ${r.pick(['LOOKUP (1)', 'GETATTR (3)', 'OPEN (14)', 'READ (15)', 'FLUSH (25)', 'RELEASE (18)', 'READDIRPLUS (44)'])}, nodeid: ${r.range(1, 90000)}, insize: ${r.range(40, 300)}, pid: ${r.range(1, 9999)}`,
      `   unique: ${s.virtiofsdUnique}, success, outsize: ${r.range(16, 4096)}`,
      `lo_lookup(parent=${r.range(1, 9000)}, name=${r.pick(['etc', 'resolv.conf', 'hostname', 'token', 'libc.so.6', 'ld.so.cache', 'nginx.conf'])})`,
      'virtio_session_mount: Waiting for vhost-user socket connection...',
      `fv_queue_thread: Waiting for Queue ${r.range(0, 2)} event`,
    ]);
    this.write(this.clock.journalPrefix(this.host, 'virtiofsd', s.virtiofsdPid) + `[ID: ${id}] ${msg}`, 'hypervisor');
  }

  // -- containerd and kubelet -------------------------------------------------------------------

  private containerManagerEvent(): void {
    const r = this.rng;
    const s = this.sandbox(r.chance(0.2));
    const c = r.pick(s.containers);
    if (r.chance(0.45)) {
      const k = r.int(9);
      let p: string;
      switch (k) {
        case 0: p = logrusLine(this.clock.goTime(), 'info', `StartContainer for ${JSON.stringify(c.id)} returns successfully`, []); break;
        case 1: p = logrusLine(this.clock.goTime(), 'info', `CreateContainer within sandbox ${JSON.stringify(s.id)} for &ContainerMetadata{Name:${c.name},Attempt:${r.range(0, 3)},} returns container id ${JSON.stringify(c.id)}`, []); break;
        case 2: p = logrusLine(this.clock.goTime(), 'info', `RunPodSandbox for &PodSandboxMetadata{Name:${s.pod},Uid:${s.podUid},Namespace:${s.podNs},Attempt:0,} returns sandbox id ${JSON.stringify(s.id)}`, []); break;
        case 3: p = logrusLine(this.clock.goTime(), 'info', 'shim disconnected', [['id', s.id], ['namespace', 'k8s.io']]); break;
        case 4: p = logrusLine(this.clock.goTime(), 'warning', 'cleaning up after shim disconnected', [['id', s.id], ['namespace', 'k8s.io']]); break;
        case 5: p = logrusLine(this.clock.goTime(), 'debug', 'starting signal loop', [['namespace', 'k8s.io'], ['path', `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${s.id}`], ['pid', String(s.shimPid)], ['runtime', 'io.containerd.kata.v2']]); break;
        case 6: p = logrusLine(this.clock.goTime(), 'info', `ImageUpdate event name:${JSON.stringify(r.pick(IMAGES))} labels:{key:"io.cri-containerd.image" value:"managed"}`, []); break;
        case 7: p = logrusLine(this.clock.goTime(), 'debug', `loading plugin ${JSON.stringify(r.pick(['io.containerd.event.v1.publisher', 'io.containerd.ttrpc.v1.task', 'io.containerd.internal.v1.shutdown']))}...`, [['runtime', 'io.containerd.kata.v2'], ['type', r.pick(['io.containerd.event.v1', 'io.containerd.ttrpc.v1', 'io.containerd.internal.v1'])]]); break;
        default: p = logrusLine(this.clock.goTime(), 'info', `StopPodSandbox for ${JSON.stringify(s.id)} returns successfully`, []); break;
      }
      return this.write(this.clock.journalPrefix(this.host, 'containerd', this.containerdPid) + p, 'containerd-kubelet');
    }
    const k = r.int(100);
    const pod = `${s.podNs}/${s.pod}`;
    let sev = 'I';
    let body: string;
    if (k < 35) {
      body = `kubelet.go:2511] "SyncLoop (probe)" probe=${JSON.stringify(r.pick(['readiness', 'liveness', 'startup']))} status=${JSON.stringify(r.pick(['ready', 'started', '', 'unhealthy']))} pod=${JSON.stringify(pod)}`;
    } else if (k < 55) {
      body = `generic.go:334] "Generic (PLEG): container finished" podID=${JSON.stringify(s.podUid)} containerID=${JSON.stringify(c.id)} exitCode=${r.pick([0, 0, 1, 137, 143])}`;
    } else if (k < 72) {
      body = `kubelet.go:2453] "SyncLoop (PLEG): event for pod" pod=${JSON.stringify(pod)} event={"ID":${JSON.stringify(s.podUid)},"Type":${JSON.stringify(r.pick(['ContainerStarted', 'ContainerDied']))},"Data":${JSON.stringify(c.id)}}`;
    } else if (k < 84) {
      body = `pod_startup_latency_tracker.go:102] "Observed pod startup duration" pod=${JSON.stringify(pod)} podStartSLOduration=${(r.float() * 20).toFixed(9)} podStartE2EDuration="${(r.float() * 40).toFixed(6)}s" podCreationTimestamp="${this.clock.secondTime().replace('T', ' ').replace('Z', ' +0000 UTC')}"`;
    } else if (k < 93) {
      sev = 'W';
      body = `cadvisor_stats_provider.go:415] "Partial failure issuing cadvisor.ContainerInfoV2" err="partial failures: [\\"/kubepods/burstable/pod${s.podUid}/${c.id}\\": RecentStats: unable to find data in memory cache]"`;
    } else {
      sev = 'E';
      body = `remote_runtime.go:319] "CreateContainer in sandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to create containerd task: failed to create shim task: ${r.pick(['Failed to check if grpc server is working: rpc error: code = DeadlineExceeded desc = timed out connecting to vsock', 'failed to launch qemu: exit status 1', `CreateContainer failed: failed to mount /run/kata-containers/shared/containers/${c.id}/rootfs`])}: unknown" podSandboxID=${JSON.stringify(s.id)}`;
    }
    const line = `${sev}${this.clock.klog()} ${this.kubeletPid} ${body}`;
    this.write(this.clock.journalPrefix(this.host, 'kubelet', this.kubeletPid) + line, 'containerd-kubelet');
  }

  // -- Go panic --------------------------------------------------------------------------------

  private panicEvent(room: number): void {
    const r = this.rng;
    // Flush the delayed duplicates first: they would end the panic record early. `room`
    // already excludes them, so it stays right.
    while (this.queue.length > 0) {
      const q = this.queue.shift()!;
      this.write(q.text, q.family);
    }
    const frames = r.range(3, 9);
    const lines: string[] = [];
    if (r.chance(0.7)) {
      lines.push('panic: runtime error: invalid memory address or nil pointer dereference');
      lines.push(`[signal SIGSEGV: segmentation violation code=0x1 addr=0x${r.range(0, 64).toString(16)} pc=0x55${r.hex(10)}]`);
    } else {
      lines.push(r.pick(['fatal error: concurrent map writes', 'panic: assignment to entry in nil map', `panic: runtime error: index out of range [${r.range(1, 9)}] with length ${r.range(0, 1)}`]));
    }
    lines.push('');
    this.panicGoroutine += r.range(1, 5000);
    lines.push(`goroutine ${this.panicGoroutine} [running]:`);
    const fns = [
      'go.opentelemetry.io/otel/sdk/trace.(*TracerProvider).ForceFlush',
      'github.com/kata-containers/kata-containers/src/runtime/pkg/katautils/katatrace.StopTracing',
      'github.com/kata-containers/kata-containers/src/runtime/pkg/containerd-shim-v2.(*service).Shutdown',
      'github.com/kata-containers/kata-containers/src/runtime/virtcontainers.(*Sandbox).Stats',
      'github.com/kata-containers/kata-containers/src/runtime/virtcontainers.(*kataAgent).sendReq',
      'github.com/containerd/ttrpc.(*serviceSet).dispatch.func1',
      'github.com/containerd/ttrpc.(*serverConn).run.func2',
    ];
    for (let i = 0; i < frames && lines.length + 2 <= 40; i++) {
      const fn = r.pick(fns);
      lines.push(`${fn}(0xc000${r.hex(6)}, {0x55${r.hex(10)}, 0xc000${r.hex(6)}})`);
      lines.push(`\t/go/src/github.com/kata-containers/kata-containers/src/runtime/${r.pick(['vendor/go.opentelemetry.io/otel/sdk/trace/provider.go', 'pkg/containerd-shim-v2/service.go', 'virtcontainers/sandbox.go', 'virtcontainers/kata_agent.go', 'vendor/github.com/containerd/ttrpc/services.go'])}:${r.range(40, 2400)} +0x${r.hex(3)}`);
    }
    lines.push(`created by github.com/containerd/ttrpc.(*serverConn).run in goroutine ${r.range(1, 400)}`);
    const n = Math.min(lines.length, room);
    if (n < 2) {
      // No room for a panic: a single-line family keeps the requested count exact.
      if (room >= 1) this.write(this.agentJson(this.sandbox(false)), 'agent-json');
      return;
    }
    for (let i = 0; i < n; i++) this.write(this.clock.journalPrefix(this.host, 'containerd', this.containerdPid) + lines[i]!, 'go-panic');
  }

  // -- damaged text ------------------------------------------------------------------------------

  private malformed(): string {
    const r = this.rng;
    const s = this.sandbox(false);
    switch (r.int(5)) {
      case 0: {
        // A paste that lost its head: starts mid-token, no prefix.
        const tail = `ystem=sandbox vmconsole="[${(s.uptimeUs / 1e6).toFixed(6).padStart(12)}] ${r.pick(['brd: module loaded', 'loop: module loaded'])}" sandbox=${s.id.slice(0, r.range(8, 60))}`;
        return tail.slice(r.int(6));
      }
      case 1: {
        // Binary junk (a corrupted block of a log file).
        let junk = '';
        const n = r.range(20, 200);
        for (let i = 0; i < n; i++) {
          const x = r.int(4);
          junk += x === 0 ? String.fromCharCode(r.range(1, 8)) : x === 1 ? String.fromCharCode(r.range(0x80, 0x2ff)) : x === 2 ? '\ufffd' : String.fromCharCode(r.range(0x21, 0x7e));
        }
        return '\u0000' + junk;
      }
      case 2:
        return r.pick(['```', '```console', '```text', '...', '<snip>', '(output trimmed)']);
      case 3: {
        // Word salad from a chat paste.
        const words = ['the', 'pod', 'hangs', 'after', 'restart', 'and', 'kata', 'shim', 'log', 'shows', 'nothing', 'useful', 'here', 'is', 'what', 'i', 'got', 'when', 'running', 'crictl'];
        const n = r.range(5, 18);
        const out: string[] = [];
        for (let i = 0; i < n; i++) out.push(r.pick(words));
        return 'so ' + out.join(' ');
      }
      default:
        // A truncated middle of a logfmt record.
        return `${r.pick(['ource', 'andbox', 'ubsystem', 'ame'])}=${r.pick(['virtcontainers', s.id.slice(0, 20), 'kata_agent'])} ${r.pick(['subs', 'pid=', 'vmcons'])}`;
    }
  }
}

function macAddr(rng: Rng): string {
  const h = rng.hex(12);
  return h.replace(/(..)(?!$)/g, '$1:');
}

// ---------------------------------------------------------------------------------------
// Writing and summarising

export interface FamilySummary {
  lines: number;
  bytes: number;
  /** Percent of physical lines. */
  percent: number;
  /** Target percent from MIX. */
  targetPercent: number;
  /** Mean bytes per line, newline excluded. */
  meanLineLength: number;
}

export interface CorpusSummary {
  seed: number;
  startMillis: number;
  lines: number;
  /** File size, newlines included. */
  bytes: number;
  meanLineLength: number;
  maxLineLength: number;
  families: Record<Family, FamilySummary>;
}

class Tally {
  lines = 0;
  bytes = 0;
  maxLen = 0;
  readonly perFamily = new Map<Family, { lines: number; bytes: number }>(FAMILIES.map((f) => [f, { lines: 0, bytes: 0 }]));

  add(text: string, family: Family): number {
    const len = Buffer.byteLength(text, 'utf8');
    this.lines++;
    this.bytes += len + 1;
    if (len > this.maxLen) this.maxLen = len;
    const f = this.perFamily.get(family)!;
    f.lines++;
    f.bytes += len;
    return len;
  }

  summary(opts: CorpusOptions): CorpusSummary {
    const families = {} as Record<Family, FamilySummary>;
    for (const spec of MIX) {
      const f = this.perFamily.get(spec.family)!;
      families[spec.family] = {
        lines: f.lines,
        bytes: f.bytes,
        percent: this.lines === 0 ? 0 : (100 * f.lines) / this.lines,
        targetPercent: spec.share,
        meanLineLength: f.lines === 0 ? 0 : f.bytes / f.lines,
      };
    }
    return {
      seed: opts.seed ?? DEFAULT_SEED,
      startMillis: opts.startMillis ?? DEFAULT_START_MILLIS,
      lines: this.lines,
      bytes: this.bytes,
      meanLineLength: this.lines === 0 ? 0 : (this.bytes - this.lines) / this.lines,
      maxLineLength: this.maxLen,
      families,
    };
  }
}

/** Generates in memory (tests, small samples): the lines and the family of each. */
export function generateCorpus(opts: CorpusOptions): { lines: string[]; families: Family[]; summary: CorpusSummary } {
  const lines: string[] = [];
  const families: Family[] = [];
  const tally = new Tally();
  new CorpusGenerator(opts).run((text, family) => {
    lines.push(text);
    families.push(family);
    tally.add(text, family);
  });
  return { lines, families, summary: tally.summary(opts) };
}

/** Generates straight to a file, ~1 MB writes, without holding the corpus in memory. */
export function writeCorpus(file: string, opts: CorpusOptions): CorpusSummary {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = file + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  const tally = new Tally();
  let parts: string[] = [];
  let size = 0;
  try {
    new CorpusGenerator(opts).run((text, family) => {
      size += tally.add(text, family) + 1;
      parts.push(text);
      if (size >= 1 << 20) {
        fs.writeSync(fd, parts.join('\n') + '\n');
        parts = [];
        size = 0;
      }
    });
    if (parts.length > 0) fs.writeSync(fd, parts.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return tally.summary(opts);
}

/** The mix as a table, for the report. */
export function formatMix(s: CorpusSummary): string {
  const rows = [`  ${'family'.padEnd(20)} ${'lines'.padStart(9)} ${'share'.padStart(7)} ${'target'.padStart(7)} ${'mean len'.padStart(9)}  description`];
  for (const spec of MIX) {
    const f = s.families[spec.family];
    rows.push(`  ${spec.family.padEnd(20)} ${String(f.lines).padStart(9)} ${f.percent.toFixed(2).padStart(6)}% ${spec.share.toFixed(2).padStart(6)}% ${f.meanLineLength.toFixed(1).padStart(9)}  ${spec.description}`);
  }
  rows.push(`  ${'total'.padEnd(20)} ${String(s.lines).padStart(9)} ${'100.00'.padStart(6)}% ${''.padStart(7)} ${s.meanLineLength.toFixed(1).padStart(9)}  ${(s.bytes / 1e6).toFixed(1)} MB, longest line ${s.maxLineLength} B`);
  return rows.join('\n');
}

function main(argv: string[]): void {
  let lines = 1_000_000;
  let seed = DEFAULT_SEED;
  let out = path.join('bench', 'out', 'corpus.log');
  let summaryJson = '';
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--lines') lines = Number(argv[++i]);
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--out') out = argv[++i]!;
    else if (a === '--summary-json') summaryJson = argv[++i]!;
    else if (a === '--quiet') quiet = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(lines) || lines < 0) throw new Error('--lines must be a non-negative integer');
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  const t0 = performance.now();
  const summary = writeCorpus(out, { lines, seed });
  if (summaryJson !== '') fs.writeFileSync(summaryJson, JSON.stringify(summary, null, 2) + '\n');
  if (quiet) return;
  console.log(`wrote ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s, seed ${seed}`);
  console.log(formatMix(summary));
}

if (require.main === module) main(process.argv.slice(2));
