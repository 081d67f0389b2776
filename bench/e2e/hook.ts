/**
 * The end-to-end part of `npm run bench`: after the parse phases, bench/run.ts starts
 * bench/e2e/run.js as a child process (its own Node, so the parse bench's heap and
 * --expose-gc do not touch it) and prints its report after its own.
 *
 * Flags taken out of the parse bench's arguments:
 *   --no-e2e          skip the end-to-end part (also skipped when --only is given)
 *   --e2e "FLAGS"     flags for bench/e2e/run.ts, e.g. --e2e "--runs 3 --gzip-runs 0"
 * --quick and --enforce are passed on.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface EndToEndPlan {
  /** The arguments left for the parse bench. */
  rest: string[];
  run: boolean;
  args: string[];
}

export function planEndToEnd(argv: readonly string[]): EndToEndPlan {
  const rest: string[] = [];
  const args: string[] = [];
  let skip = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--no-e2e') {
      skip = true;
    } else if (a === '--e2e') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--e2e needs a value (the end-to-end bench flags, quoted)');
      args.push(...v.split(/\s+/).filter((x) => x !== ''));
    } else {
      if (a === '--quick' || a === '--enforce') args.unshift(a);
      if (a === '--only') skip = true;
      rest.push(a);
    }
  }
  return { rest, run: !skip, args };
}

/** Runs the end-to-end bench with the terminal as its output; its exit code. */
export function runEndToEnd(plan: EndToEndPlan): number {
  if (!plan.run) return 0;
  process.stdout.write('\nEnd to end (bench/e2e, `npm run bench:e2e` runs it alone; --no-e2e skips it):\n');
  const r = spawnSync(process.execPath, [path.join(__dirname, 'run.js'), ...plan.args], { stdio: 'inherit' });
  if (r.error !== undefined) {
    process.stderr.write(`bench: the end-to-end part could not start: ${r.error.message}\n`);
    return 2;
  }
  return r.status ?? 2;
}
