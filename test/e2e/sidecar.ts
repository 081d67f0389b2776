/**
 * The sidecar as a real child process for the end-to-end tests:
 * `node dist/cli/main.js run --config <file>`, with its JSON log lines (stderr) collected,
 * its telemetry endpoint found from the "telemetry server listening" line, and helpers to
 * scrape /metrics, wait for /readyz, kill it with SIGKILL or stop it with SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root (the tests run from dist/test/e2e/). */
export const ROOT = resolve(__dirname, '..', '..', '..');
export const BIN = join(ROOT, 'dist', 'cli', 'main.js');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kata-otel-e2e-${prefix}-`));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms; throws with `what` (and `detail()`) after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail === undefined ? '' : `: ${detail()}`}`);
    await sleep(20);
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpGet(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Prometheus text → samples. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function metricSum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** SIGTERM, then `exited`; SIGKILL after `timeoutMs`, so a hung child cannot hang a test. */
export async function terminateChild<T>(proc: ChildProcess, exited: Promise<T>, timeoutMs: number): Promise<T> {
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

export class Sidecar {
  readonly logs: LogLine[] = [];
  /** stderr lines that are not JSON (a crash trace, say). */
  readonly otherOutput: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  telemetry: string | undefined;

  private constructor(readonly proc: ChildProcess) {
    let buf = '';
    proc.stderr!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const line of parts) this.take(line);
    });
    proc.stdout!.on('data', (c: Buffer) => this.otherOutput.push(c.toString('utf8')));
    this.exited = new Promise((resolvePromise) => proc.on('exit', (code, signal) => {
      this.exit = { code, signal };
      resolvePromise(this.exit);
    }));
  }

  /** Starts `kata-otel run --config <config>` in `cwd` and waits until /readyz answers 200. */
  static async start(config: string, cwd: string, opts: { env?: Record<string, string>; readyTimeoutMs?: number } = {}): Promise<Sidecar> {
    const proc = spawn(process.execPath, ['--enable-source-maps', BIN, 'run', '--config', config], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env },
    });
    const s = new Sidecar(proc);
    await s.waitReady(opts.readyTimeoutMs ?? 20_000);
    return s;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  async waitReady(timeoutMs: number): Promise<void> {
    await waitFor(async () => {
      if (this.exit !== undefined) throw new Error(`the sidecar exited before it was ready (${JSON.stringify(this.exit)}):\n${this.output()}`);
      // The start-up log line comes last, so every start-up line has been read once it is here.
      if (this.telemetry === undefined || this.logged(/^kata-otel is running$/).length === 0) return false;
      return (await this.get('/readyz').catch(() => ({ status: 0 }))).status === 200;
    }, timeoutMs, 'the sidecar to be ready', () => this.output());
  }

  get(path: string): Promise<HttpAnswer> {
    if (this.telemetry === undefined) return Promise.reject(new Error('no telemetry address yet'));
    return httpGet(`http://${this.telemetry}${path}`);
  }

  async metrics(): Promise<Sample[]> {
    const r = await this.get('/metrics');
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
    return parseMetrics(r.body);
  }

  /** `kill -9`: resolves once the process is gone. */
  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    const e = await this.exited;
    if (e.signal !== 'SIGKILL') throw new Error(`expected death by SIGKILL, got ${JSON.stringify(e)}`);
  }

  /** SIGTERM, then the exit (SIGKILL after `timeoutMs` so a hung sidecar cannot hang the test). */
  async terminate(timeoutMs = 20_000): Promise<Exit> {
    return this.exit ?? terminateChild(this.proc, this.exited, timeoutMs);
  }

  /** Log lines whose msg matches. */
  logged(pattern: RegExp, level?: string): LogLine[] {
    return this.logs.filter((l) => pattern.test(l.msg) && (level === undefined || l.level === level));
  }

  /** Everything it wrote, for failure messages (last 60 lines). */
  output(): string {
    return [...this.logs.map((l) => JSON.stringify(l)), ...this.otherOutput].slice(-60).join('\n');
  }

  private take(line: string): void {
    if (line === '') return;
    let parsed: LogLine | undefined;
    try {
      parsed = JSON.parse(line) as LogLine;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || typeof parsed.msg !== 'string') {
      this.otherOutput.push(line);
      return;
    }
    this.logs.push(parsed);
    if (parsed.msg === 'telemetry server listening' && typeof parsed.address === 'string') this.telemetry = parsed.address;
  }
}

/** Writes `yaml` to `<dir>/config.yaml` (creating dir) and returns the path. */
export function writeConfig(dir: string, yaml: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

export interface FilelogConfigOptions {
  include: string;
  storage: string;
  endpoint: string;
  maxRequestMib?: number;
}

/** filelog → kata_parser → otlp (gRPC, plaintext, gzip) with fast retries and a persistent queue. */
export function filelogConfig(o: FilelogConfigOptions): string {
  return `
receivers:
  filelog/kata:
    include: [${JSON.stringify(o.include)}]
    start_at: beginning
    poll_interval: 50ms
    force_flush_period: 300ms
    max_batch: 512
processors:
  kata_parser:
exporters:
  otlp:
    endpoint: ${o.endpoint}
    timeout: 5s
    sending_queue: { enabled: true, max_size_mib: 256, max_request_mib: ${o.maxRequestMib ?? 1} }
    retry_on_failure: { initial_interval: 50ms, max_interval: 400ms }
service:
  pipelines:
    logs: { receivers: [filelog/kata], processors: [kata_parser], exporters: [otlp] }
  telemetry:
    logs: { level: info }
    metrics: { address: 127.0.0.1:0 }
  storage: { directory: ${JSON.stringify(o.storage)} }
`;
}
