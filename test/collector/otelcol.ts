/**
 * The real OpenTelemetry Collector (kata-otelcol, built from collector-config/builder/
 * manifest.yaml) as a child process of the tests.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, ROOT, terminateChild, waitFor } from '../e2e/sidecar';

const BUILD_SCRIPT = join(ROOT, 'collector-config', 'builder', 'build.sh');

/** Path of the binary for the current manifest; throws with what to run when it is not built. */
export function otelcolBinary(): string {
  const path = execFileSync('bash', [BUILD_SCRIPT, '--print-path'], { encoding: 'utf8' }).trim();
  if (!existsSync(path)) {
    throw new Error(`kata-otelcol is not built for this manifest (${path}): run \`npm run collector:build\` first`);
  }
  return path;
}

export interface CollectorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Collector {
  readonly output: string[] = [];
  readonly exited: Promise<CollectorExit>;
  exit: CollectorExit | undefined;

  private constructor(readonly proc: ChildProcess, readonly healthUrl: string) {
    const take = (c: Buffer): void => {
      for (const line of c.toString('utf8').split('\n')) if (line !== '') this.output.push(line);
      if (this.output.length > 2000) this.output.splice(0, this.output.length - 2000);
    };
    proc.stdout!.on('data', take);
    proc.stderr!.on('data', take);
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      this.exit = { code, signal };
      resolve(this.exit);
    }));
  }

  /**
   * Starts `kata-otelcol --config <config>` with `env` added and waits until the
   * health_check extension (at `healthEndpoint`, host:port) reports it ready.
   */
  static async start(config: string, cwd: string, healthEndpoint: string, env: Record<string, string>): Promise<Collector> {
    const proc = spawn(otelcolBinary(), ['--config', config], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const c = new Collector(proc, `http://${healthEndpoint}/`);
    try {
      await waitFor(async () => {
        if (c.exit !== undefined) throw new Error(`kata-otelcol exited before it was ready (${JSON.stringify(c.exit)}):\n${c.tail()}`);
        return (await httpGet(c.healthUrl, 1000).catch(() => ({ status: 0 }))).status === 200;
      }, 30_000, 'kata-otelcol to be ready', () => c.tail());
    } catch (err) {
      // A Collector that never got ready must not outlive the test and keep mocha alive.
      await c.kill9();
      throw err;
    }
    return c;
  }

  /** The last lines it wrote, for failure messages. */
  tail(n = 40): string {
    return this.output.slice(-n).join('\n');
  }

  /** Lines at level error, skipping the ones a test expects. */
  errors(ignore: RegExp[] = []): string[] {
    return this.output.filter((l) => /\terror\t/.test(l) && !ignore.some((re) => re.test(l)));
  }

  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the Collector drains and closes its queues), SIGKILL after `timeoutMs`. */
  async terminate(timeoutMs = 20_000): Promise<CollectorExit> {
    return this.exit ?? terminateChild(this.proc, this.exited, timeoutMs);
  }
}
