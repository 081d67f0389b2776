/**
 * `npm run bench:e2e:compare -- --against DIR`: this checkout's end-to-end throughput
 * against another built checkout's, both benches running at the same time.
 *
 * Why side by side: on this VM the CPU time a fixed job takes drifts by ±15% over tens of
 * seconds (the host's load is billed to the VM and no steal time is reported), so two
 * builds measured one after the other differ by the host as much as by their code. Run
 * together, both meet the same host. Each sidecar gets a CPU of its own, shared only with
 * the other bench's sink (A's sidecar on CPU 0 and its sink on CPU 1, B the other way round),
 * and the CPUs swap every round, so neither build keeps the quieter one. Two sidecars on one
 * CPU would be a different machine: each switch between them costs both caches, which
 * made per-batch costs look larger than they are alone.
 *
 * Flags: --against DIR (required; a checkout with `npm run build` done and the same
 * corpus generator, and whose bench knows --cpus), --rounds N (default 3), --runs N (per
 * round and build, default 3).
 * Prints per round both medians and B/A, where A is DIR and B this checkout.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface CompareArgs {
  against: string;
  rounds: number;
  runs: number;
}

export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  const a: CompareArgs = { against: '', rounds: 3, runs: 3 };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs an integer ≥ 1`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    if (f === '--against') a.against = path.resolve(argv[++i] ?? '');
    else if (f === '--rounds') a.rounds = int(f, argv[++i]);
    else if (f === '--runs') a.runs = int(f, argv[++i]);
    else throw new Error(`unknown flag ${f} (see the top of bench/e2e/compare.ts)`);
  }
  if (a.against === '') throw new Error('--against DIR is required: the root of another checkout, built with npm run build');
  return a;
}

export interface RoundResult {
  a: number;
  b: number;
}

/** The median of B/A over the rounds, and its spread. */
export function summarize(rounds: readonly RoundResult[]): { median: number; min: number; max: number } {
  if (rounds.length === 0) throw new Error('no rounds to summarize');
  const ratios = rounds.map((r) => r.b / r.a).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return { median, min: ratios[0]!, max: ratios[ratios.length - 1]! };
}

/** Runs one checkout's bench (throughput phase only) and returns its median records per CPU-second. */
function benchOnce(root: string, runs: number, cpus: string, json: string): Promise<number> {
  const script = path.join(root, 'dist', 'bench', 'e2e', 'run.js');
  if (!fs.existsSync(script)) return Promise.reject(new Error(`${script} is missing: run npm run build in ${root}`));
  const args = [script, '--runs', String(runs), '--latency-s', '0', '--memory-passes', '0', '--gzip-runs', '0', '--cpus', cpus, '--json', json];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`the bench in ${root} exited with ${code}:\n${stderr}`));
        return;
      }
      const report = JSON.parse(fs.readFileSync(json, 'utf8')) as { throughput?: { recordsPerCpuS?: number } };
      const v = report.throughput?.recordsPerCpuS;
      if (typeof v !== 'number' || !(v > 0)) reject(new Error(`${json} has no throughput.recordsPerCpuS`));
      else resolve(v);
    });
  });
}

async function main(): Promise<void> {
  const args = parseCompareArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-otel-compare-'));
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  process.stdout.write(`A = ${args.against}\nB = ${ROOT}\nrecords per CPU-second, both benches at once (${args.runs} runs each per round):\n`);
  const rounds: RoundResult[] = [];
  try {
    for (let r = 1; r <= args.rounds; r++) {
      const [a, b] = await Promise.all([
        benchOnce(args.against, args.runs, r % 2 === 1 ? '0,1' : '1,0', path.join(tmp, `a-${r}.json`)),
        benchOnce(ROOT, args.runs, r % 2 === 1 ? '1,0' : '0,1', path.join(tmp, `b-${r}.json`)),
      ]);
      rounds.push({ a, b });
      process.stdout.write(`  round ${r}: A ${fmt(a)}   B ${fmt(b)}   B/A ${(b / a).toFixed(3)}\n`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const s = summarize(rounds);
  process.stdout.write(`B/A: median ${s.median.toFixed(3)} (rounds ${s.min.toFixed(3)}–${s.max.toFixed(3)})\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`bench:e2e:compare: ${err.message}\n`);
    process.exit(1);
  });
}
