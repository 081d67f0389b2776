/**
 * The Collector comparison as the last part of `npm run bench`: bench/run.ts starts
 * bench/collector/run.js as a child process (its own Node, away from the parse bench's heap)
 * and its report follows the others.
 *
 * Flags taken out of the parse bench's arguments: --no-collector skips it (so does --only).
 * With --quick it runs on a smaller corpus.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface CollectorPlan {
  /** The arguments left for the other parts. */
  rest: string[];
  run: boolean;
  args: string[];
}

export function planCollector(argv: readonly string[]): CollectorPlan {
  const rest = argv.filter((a) => a !== '--no-collector');
  const run = rest.length === argv.length && !argv.includes('--only');
  const args = argv.includes('--quick') ? ['--lines', '100000', '--no-operators-only'] : [];
  return { rest, run, args };
}

/** Runs the comparison with the terminal as its output; its exit code. */
export function runCollector(plan: CollectorPlan): number {
  if (!plan.run) return 0;
  process.stdout.write('\nAgainst the OpenTelemetry Collector (bench/collector, `npm run bench:collector` runs it alone; --no-collector skips it):\n');
  const r = spawnSync(process.execPath, [path.join(__dirname, 'run.js'), ...plan.args], { stdio: 'inherit' });
  if (r.error !== undefined) {
    process.stderr.write(`bench: the Collector comparison could not start: ${r.error.message}\n`);
    return 2;
  }
  return r.status ?? 2;
}
