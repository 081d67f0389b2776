/**
 * `npm run bench:collector`: kata-otel against the OpenTelemetry Collector on the same mixed
 * Kata corpus (bench/corpus.ts), measured in one run.
 *
 *   (a) kata-otel   `kata-otel run`: filelog → kata_parser (→ sigma, when that processor
 *                   is registered) → otlp exporter with its SQLite queue;
 *   (b) Collector   kata-otelcol with the Collector-only fallback's pipeline (file_log with
 *                   its regex, key_value and json operators → the OTTL transform → batch →
 *                   otlp_grpc with a file_storage queue), generated from the same semantic
 *                   conventions as collector-config/otelcol/fallback.yaml, without journald.
 *
 * Both export to the same kind of sink: bench/e2e/sink.js, a process of its own that counts
 * records by walking the protobuf. Each side is started, warmed up on a small file (which
 * also proves the pipeline is up), then the corpus file is moved into its watched folder;
 * CPU seconds are user+system of the process and its reaped children (/proc/<pid>/stat)
 * from the move until the end-marker record reaches the sink. Lines per CPU-second, the
 * ratio kata-otel / Collector, wall time and the sink's record count are reported. A
 * second, small pass sends a sample of the corpus through each side to an in-process sink
 * that decodes it, to say what each side produced (records, attributes per record, share
 * of records with a component, a time and a severity).
 *
 * A third run, the Collector with the fallback's operators but no transform, shows how much
 * of the Collector's cost is the OTTL mapping (--no-operators-only leaves it out).
 *
 *   node dist/bench/collector/run.js [--lines N] [--seed S] [--sample N] [--no-operators-only] [--keep] [--json FILE]
 *
 * If kata-otelcol is not built, it prints SKIP with the command that builds it and exits 0.
 */
import { SIDECAR_NODE_FLAGS } from '../../cli/node-flags';
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { decodeExportLogsRequest } from '../../pdata/otlp/codec';
import { PROCESSOR_FACTORIES } from '../../service/registry';
import { fallbackConfig } from '../../semconv/tools/generate-collector-fallback';
import { findRepoRoot, loadModel } from '../../semconv/tools/model';
import { DEFAULT_SEED } from '../corpus';
import type { SinkStats } from '../e2e/sink';
import { END } from '../e2e/sink';
import { CountingSink } from './sink';

const ROOT = findRepoRoot(__dirname);
const BIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const SINK = path.join(ROOT, 'dist', 'bench', 'e2e', 'sink.js');
const CORPUS_JS = path.join(ROOT, 'dist', 'bench', 'corpus.js');
const BUILD = path.join(ROOT, 'collector-config', 'builder', 'build.sh');
const CLK_TCK = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (s: string): void => void process.stderr.write(`${s}\n`);

export interface CollectorBenchOptions {
  /** Corpus lines (default 300,000). */
  lines?: number;
  seed?: number;
  /** Lines of the corpus sent through each side to a decoding sink (default 5,000; 0 skips). */
  sample?: number;
  /**
   * kata-otel processors after kata_parser, as config entries. Default: `sigma: {}` when a
   * `sigma` processor is registered (the tagging phase), nothing otherwise.
   */
  kataOtelProcessors?: Record<string, unknown>;
  /** Also measure the Collector with the operators only, no transform (default true). */
  operatorsOnly?: boolean;
  /** Keep the work folder. */
  keep?: boolean;
}

export interface SideResult {
  /** What ran, for the report. */
  pipeline: string;
  lines: number;
  /** Records at the sink for the corpus (kata-otel joins multi-line records, the Collector does not). */
  records: number;
  cpuS: number;
  wallS: number;
  linesPerCpuS: number;
  linesPerWallS: number;
  peakRssMiB: number;
  sample?: SampleResult;
}

export interface SampleResult {
  lines: number;
  records: number;
  attributesPerRecord: number;
  /** Share of records with kata.component other than unknown. */
  withComponent: number;
  withTime: number;
  withSeverity: number;
}

export type CollectorBenchResult =
  | { skipped: string }
  | {
    lines: number; seed: number; kataOtel: SideResult; collector: SideResult;
    /** kata-otel's lines per CPU-second over the Collector's (the fallback pipeline). */
    ratio: number;
    /** The Collector with the fallback's operators only, when measured, and kata-otel's ratio to it. */
    collectorOperatorsOnly?: SideResult; ratioOperatorsOnly?: number;
    cpus: number; sinkCpuS: number;
  };

/** User+system CPU seconds of `pid`, every thread, plus its reaped children. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
}

function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

/** The sink process of bench/e2e, driven over its IPC channel. */
class SinkProcess {
  port = 0;
  private readonly waiting: Array<{ type: string; resolve: (m: Record<string, unknown>) => void }> = [];

  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: Record<string, unknown>) => {
      const i = this.waiting.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
    });
  }

  static async start(): Promise<SinkProcess> {
    const s = new SinkProcess(spawn(process.execPath, [SINK, '0'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    s.port = Number((await s.next('ready')).port);
    return s;
  }

  private next(type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push({ type, resolve }));
  }

  async stats(): Promise<SinkStats> {
    const p = this.next('stats');
    this.proc.send({ cmd: 'stats' });
    return (await p) as unknown as SinkStats;
  }

  async reset(): Promise<void> {
    const p = this.next('reset');
    this.proc.send({ cmd: 'reset' });
    await p;
  }

  stop(): void {
    this.proc.send({ cmd: 'exit' });
  }
}

/** A Go shim line whose parsed body, on both sides, is `msg`. */
function shimLine(msg: string): string {
  return `time="${new Date().toISOString()}" level=info msg="${msg}" name=containerd-shim-v2 pid=4242 sandbox=bench source=virtcontainers subsystem=bench`;
}

/** One process under test: it watches `watch` and exports to 127.0.0.1:`port`. */
interface Side {
  name: string;
  pipeline: string;
  /**
   * Whether every line makes exactly one record, so a file is done when the sink has as many
   * records as it has lines. The Collector sends batches concurrently (its end marker can
   * overtake earlier records) and, without the transform, keeps the marker line unparsed.
   * kata-otel joins multi-line records, so it is done when its end marker arrives.
   */
  oneRecordPerLine: boolean;
  start(watch: string, dir: string, port: number): ChildProcess;
}

function kataOtelSide(extra: Record<string, unknown>): Side {
  const names = Object.keys(extra);
  return {
    name: 'kata-otel',
    oneRecordPerLine: false,
    pipeline: `kata-otel run: filelog → ${['kata_parser', ...names].join(' → ')} → otlp (SQLite queue)`,
    start(watch, dir, port) {
      const config = {
        receivers: { 'filelog/bench': { include: [path.join(watch, '*.log')], start_at: 'beginning' } },
        processors: { kata_parser: null, ...extra },
        exporters: {
          otlp: {
            endpoint: `http://127.0.0.1:${port}`,
            compression: 'gzip',
            sending_queue: { enabled: true, max_size_mib: 8192, max_request_mib: 1 },
            retry_on_failure: { initial_interval: '100ms', max_interval: '1s' },
          },
        },
        service: {
          pipelines: { logs: { receivers: ['filelog/bench'], processors: ['kata_parser', ...names], exporters: ['otlp'] } },
          telemetry: { logs: { level: 'warn' }, metrics: { address: '127.0.0.1:0' } },
          storage: { directory: path.join(dir, 'storage') },
        },
      };
      const file = path.join(dir, 'kata-otel.yaml');
      fs.writeFileSync(file, YAML.stringify(config));
      // As production starts it: see cli/node-flags.ts.
      return spawn(process.execPath, [...SIDECAR_NODE_FLAGS, BIN, 'run', '--config', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    },
  };
}

/**
 * The fallback's pipeline; with `transform: false` only its operators (the lines split and
 * parsed into scratch maps, no Kata mapping), to show what the OTTL part costs.
 */
function collectorSide(binary: string, transform = true): Side {
  return {
    name: transform ? 'Collector' : 'Collector-ops',
    oneRecordPerLine: true,
    pipeline: transform
      ? 'kata-otelcol: file_log (regex, key_value, json operators) → transform (OTTL) → batch → otlp_grpc (file_storage queue)'
      : 'kata-otelcol: file_log (the same operators) → batch → otlp_grpc (file_storage queue), no transform: parsed, not mapped',
    start(watch, dir, port) {
      const { model } = loadModel(path.join(ROOT, 'semconv', 'model'));
      const config = fallbackConfig(model, { journald: false }) as { service: { telemetry: unknown; pipelines: { logs: { processors: string[] } } } };
      if (!transform) config.service.pipelines.logs.processors = config.service.pipelines.logs.processors.filter((p) => !p.startsWith('transform'));
      // The bench needs no health or metrics endpoint; the config's env defaults fill the rest.
      config.service.telemetry = { metrics: { level: 'none' }, logs: { level: 'warn' } };
      const file = path.join(dir, 'otelcol.yaml');
      fs.writeFileSync(file, YAML.stringify(config));
      const env = {
        ...process.env,
        KATA_LOG_GLOB: path.join(watch, '*.log'),
        KATA_LOG_START_AT: 'beginning',
        OTELCOL_STORAGE_DIR: path.join(dir, 'storage'),
        OTELCOL_HEALTH_ENDPOINT: '127.0.0.1:0',
        OTLP_BACKEND_ENDPOINT: `127.0.0.1:${port}`,
        OTLP_BACKEND_INSECURE: 'true',
      };
      return spawn(binary, ['--config', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env });
    },
  };
}

class Running {
  private readonly err: string[] = [];
  exited = false;

  constructor(readonly proc: ChildProcess) {
    proc.stderr?.on('data', (c: Buffer) => {
      this.err.push(c.toString('utf8'));
      if (this.err.length > 200) this.err.splice(0, 100);
    });
    proc.on('exit', () => (this.exited = true));
  }

  tail(): string {
    return this.err.join('').split('\n').slice(-30).join('\n');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.proc.on('exit', () => resolve()));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(t);
  }
}

/** Writes a file with a unique first line (file_log and filelog tell files apart by their head), `body` and an end marker. */
function writeInput(file: string, tag: string, endId: string, body: (fd: number) => void): void {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `${shimLine(`bench-start ${tag} ${process.pid} ${process.hrtime.bigint()}`)}\n`);
  body(fd);
  // The tail line lets a reader that holds the last line for joining release the marker.
  fs.writeSync(fd, `${shimLine(`${END}${endId}`)}\n${shimLine('bench-tail')}\n`);
  fs.closeSync(fd);
}

function copyLines(src: string, lines: number | undefined): (fd: number) => void {
  return (fd) => {
    if (lines === undefined) {
      const inp = fs.openSync(src, 'r');
      const buf = Buffer.allocUnsafe(8 << 20);
      for (let n; (n = fs.readSync(inp, buf, 0, buf.length, null)) > 0;) fs.writeSync(fd, buf, 0, n);
      fs.closeSync(inp);
      return;
    }
    const text = fs.readFileSync(src, 'utf8');
    let end = 0;
    for (let i = 0; i < lines && end >= 0; i++) {
      const nl = text.indexOf('\n', end);
      end = nl < 0 ? text.length : nl + 1;
    }
    fs.writeSync(fd, text.slice(0, end));
  };
}

/** Waits for the end marker `id`, or for `records` records when given. */
async function waitEnd(sink: SinkProcess, id: string, records: number | undefined, run: Running, timeoutMs: number, sample: () => void): Promise<SinkStats> {
  const t0 = Date.now();
  for (;;) {
    const s = await sink.stats();
    if (records === undefined ? s.ends[id] !== undefined : s.records >= records) return s;
    if (run.exited) throw new Error(`the process exited before the end marker arrived:\n${run.tail()}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`end marker ${id} not at the sink after ${timeoutMs} ms (${s.records} records):\n${run.tail()}`);
    sample();
    await sleep(50);
  }
}

async function measure(side: Side, corpus: string, lines: number, sink: SinkProcess, work: string): Promise<SideResult> {
  const dir = fs.mkdtempSync(path.join(work, `${side.name.toLowerCase()}-`));
  const watch = path.join(dir, 'watch');
  fs.mkdirSync(watch);
  const run = new Running(side.start(watch, dir, sink.port));
  try {
    // Warm-up: a small file through the whole pipeline, which also shows it is up.
    const warm = path.join(dir, 'warm.log');
    writeInput(warm, `${side.name}-warm`, `${side.name}-warm`, copyLines(corpus, 2000));
    fs.renameSync(warm, path.join(watch, 'warm.log'));
    // The first line, 2000 corpus lines, the marker and the tail line.
    await waitEnd(sink, `${side.name}-warm`, side.oneRecordPerLine ? 2003 : undefined, run, 60_000, () => undefined);
    await sleep(1000);
    await sink.reset();

    const input = path.join(dir, 'corpus.log');
    const id = `${side.name}-corpus`;
    writeInput(input, id, id, copyLines(corpus, undefined));
    let peak = rssMiB(run.proc.pid!);
    const cpu0 = cpuSeconds(run.proc.pid!);
    const t0 = process.hrtime.bigint();
    fs.renameSync(input, path.join(watch, 'corpus.log'));
    const exact = side.oneRecordPerLine ? lines + 3 : undefined;
    const s = await waitEnd(sink, id, exact, run, 600_000, () => (peak = Math.max(peak, rssMiB(run.proc.pid!))));
    const cpuS = cpuSeconds(run.proc.pid!) - cpu0;
    const wallS = Number(BigInt(exact === undefined ? s.ends[id]! : s.lastNs) - t0) / 1e9;
    const total = lines + (exact === undefined ? 2 : 3); // the unique first line, the marker (and the tail line)
    return {
      pipeline: side.pipeline, lines: total, records: s.records, cpuS, wallS,
      linesPerCpuS: total / cpuS, linesPerWallS: total / wallS, peakRssMiB: Math.round(peak),
    };
  } finally {
    await run.stop();
  }
}

/** A sample of the corpus through `side` to a decoding sink: what the side makes of it. */
async function sample(side: Side, corpus: string, lines: number, work: string): Promise<SampleResult> {
  const dir = fs.mkdtempSync(path.join(work, `${side.name.toLowerCase()}-sample-`));
  const watch = path.join(dir, 'watch');
  fs.mkdirSync(watch);
  let records = 0;
  let attributes = 0;
  let component = 0;
  let time = 0;
  let severity = 0;
  let ended = false;
  const sink = new CountingSink((bytes) => {
    for (const rl of decodeExportLogsRequest(bytes).resourceLogs ?? []) {
      for (const sl of rl.scopeLogs ?? []) {
        for (const r of sl.logRecords ?? []) {
          const body = r.body?.stringValue ?? '';
          if (body.startsWith(END)) ended = true;
          if (body.startsWith('bench-') || body.startsWith(END)) continue;
          records++;
          attributes += r.attributes?.length ?? 0;
          const c = r.attributes?.find((a) => a.key === 'kata.component')?.value?.stringValue;
          if (c !== undefined && c !== null && c !== 'unknown') component++;
          if (r.timeUnixNano !== undefined && r.timeUnixNano !== null && String(r.timeUnixNano) !== '0') time++;
          if ((r.severityNumber ?? 0) > 0) severity++;
        }
      }
    }
  });
  await sink.start();
  const run = new Running(side.start(watch, dir, sink.port));
  try {
    const input = path.join(dir, 'sample.log');
    writeInput(input, `${side.name}-sample`, 'sample', copyLines(corpus, lines));
    fs.renameSync(input, path.join(watch, 'sample.log'));
    const t0 = Date.now();
    while (!ended) {
      if (run.exited) throw new Error(`${side.name} exited during the sample:\n${run.tail()}`);
      if (Date.now() - t0 > 60_000) throw new Error(`${side.name}: the sample did not arrive:\n${run.tail()}`);
      await sleep(50);
    }
  } finally {
    await run.stop();
    sink.stop();
  }
  const share = (n: number): number => (records === 0 ? 0 : n / records);
  return { lines, records, attributesPerRecord: records === 0 ? 0 : attributes / records, withComponent: share(component), withTime: share(time), withSeverity: share(severity) };
}

function collectorBinary(): { binary?: string; skip?: string } {
  let binary: string;
  try {
    binary = execFileSync('bash', [BUILD, '--print-path'], { encoding: 'utf8' }).trim();
  } catch (err) {
    return { skip: `cannot locate kata-otelcol (${(err as Error).message}); build it with \`npm run collector:build\`` };
  }
  if (!fs.existsSync(binary)) return { skip: `kata-otelcol is not built (${binary}); build it with \`npm run collector:build\` (bash collector-config/builder/build.sh)` };
  return { binary };
}

function defaultTagProcessors(): Record<string, unknown> {
  return PROCESSOR_FACTORIES.some((f) => f.type === 'sigma') ? { sigma: {} } : {};
}

/** Runs both sides on the same corpus; the main bench calls this. */
export async function runCollectorBench(opts: CollectorBenchOptions = {}): Promise<CollectorBenchResult> {
  const { binary, skip } = collectorBinary();
  if (binary === undefined) return { skipped: skip ?? 'kata-otelcol is not built' };
  const lines = opts.lines ?? 300_000;
  const seed = opts.seed ?? DEFAULT_SEED;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-otel-bench-collector-'));
  const sink = await SinkProcess.start();
  try {
    const corpus = path.join(work, 'corpus.log');
    execFileSync(process.execPath, [CORPUS_JS, '--lines', String(lines), '--seed', String(seed), '--out', corpus, '--quiet'], { stdio: 'inherit' });
    const sides = [kataOtelSide(opts.kataOtelProcessors ?? defaultTagProcessors()), collectorSide(binary)];
    if (opts.operatorsOnly !== false) sides.push(collectorSide(binary, false));
    const results: SideResult[] = [];
    for (const side of sides) {
      log(`bench:collector: ${side.name} on ${lines.toLocaleString('en-US')} lines`);
      results.push(await measure(side, corpus, lines, sink, work));
    }
    const sinkStats = await sink.stats();
    const n = opts.sample ?? 5000;
    if (n > 0) {
      for (let i = 0; i < 2; i++) {
        log(`bench:collector: ${sides[i]!.name}, a ${n}-line sample to a decoding sink`);
        results[i]!.sample = await sample(sides[i]!, corpus, n, work);
      }
    }
    const [kataOtel, collector, ops] = results as [SideResult, SideResult, SideResult | undefined];
    return {
      lines, seed, kataOtel, collector, ratio: kataOtel.linesPerCpuS / collector.linesPerCpuS,
      ...(ops === undefined ? {} : { collectorOperatorsOnly: ops, ratioOperatorsOnly: kataOtel.linesPerCpuS / ops.linesPerCpuS }),
      cpus: os.cpus().length, sinkCpuS: (sinkStats.cpuUserUs + sinkStats.cpuSystemUs) / 1e6,
    };
  } finally {
    sink.stop();
    if (opts.keep !== true) fs.rmSync(work, { recursive: true, force: true });
    else log(`bench:collector: work folder kept: ${work}`);
  }
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

export function formatCollectorBench(r: CollectorBenchResult): string {
  if ('skipped' in r) return `collector comparison: SKIP: ${r.skipped}\n`;
  const out: string[] = [];
  out.push(`collector comparison: ${int(r.lines)} corpus lines (seed ${r.seed}), ${r.cpus} CPUs, same OTLP/gRPC sink process`);
  out.push(`  ${'side'.padEnd(10)} ${'lines/CPU-s'.padStart(12)} ${'CPU s'.padStart(7)} ${'wall s'.padStart(7)} ${'lines/s wall'.padStart(13)} ${'records'.padStart(9)} ${'peak RSS'.padStart(9)}`);
  const rows: Array<[string, SideResult]> = [['kata-otel', r.kataOtel], ['Collector', r.collector]];
  if (r.collectorOperatorsOnly !== undefined) rows.push(['Coll. ops', r.collectorOperatorsOnly]);
  for (const [name, s] of rows) {
    out.push(`  ${name.padEnd(10)} ${int(s.linesPerCpuS).padStart(12)} ${s.cpuS.toFixed(2).padStart(7)} ${s.wallS.toFixed(2).padStart(7)} ${int(s.linesPerWallS).padStart(13)} ${int(s.records).padStart(9)} ${`${s.peakRssMiB} MiB`.padStart(9)}`);
  }
  out.push(`  ratio kata-otel / Collector, lines per CPU-second: ${r.ratio.toFixed(2)} (goal ≥ 1.00: ${r.ratio >= 1 ? 'met' : 'not met'})`);
  if (r.ratioOperatorsOnly !== undefined) out.push(`  ratio kata-otel / Collector with the operators only (no Kata mapping): ${r.ratioOperatorsOnly.toFixed(2)}`);
  for (const [name, s] of rows) {
    out.push(`  ${name}: ${s.pipeline}`);
    if (s.sample !== undefined) {
      const m = s.sample;
      out.push(`    on a ${int(m.lines)}-line sample: ${int(m.records)} records, ${m.attributesPerRecord.toFixed(1)} attributes per record, component known ${pct(m.withComponent)}, time ${pct(m.withTime)}, severity ${pct(m.withSeverity)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function parseArgs(argv: readonly string[]): { opts: CollectorBenchOptions; json?: string } {
  const opts: CollectorBenchOptions = {};
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--lines') opts.lines = Number(v());
    else if (a === '--seed') opts.seed = Number(v());
    else if (a === '--sample') opts.sample = Number(v());
    else if (a === '--keep') opts.keep = true;
    else if (a === '--no-operators-only') opts.operatorsOnly = false;
    else if (a === '--json') json = v();
    else throw new Error(`unknown argument ${a ?? ''}; usage: run.js [--lines N] [--seed S] [--sample N] [--no-operators-only] [--keep] [--json FILE]`);
  }
  return json === undefined ? { opts } : { opts, json };
}

async function main(): Promise<number> {
  const { opts, json } = parseArgs(process.argv.slice(2));
  const r = await runCollectorBench(opts);
  process.stdout.write(formatCollectorBench(r));
  if (json !== undefined) fs.writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  return 0;
}

if (require.main === module) {
  main().then((code) => (process.exitCode = code), (err: unknown) => {
    process.stderr.write(`bench:collector: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
