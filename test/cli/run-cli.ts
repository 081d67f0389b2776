/** Runs the built bin as a child process, for the CLI tests. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root (tests run from dist/test/<dir>/). */
export const ROOT = resolve(__dirname, '..', '..', '..');
export const BIN = join(ROOT, 'dist', 'cli', 'main.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'kata-logs');
export const EXAMPLE = join(ROOT, 'examples', 'kata-node.log');

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.log')).sort().map((f) => join(FIXTURES, f));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Runs `kata-otel ARGS`, feeding `input` (or nothing) on stdin. */
export function runCli(args: string[], input?: string | Buffer): Promise<CliResult> {
  const child = startCli(args);
  const done = collect(child);
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input ?? '');
  return done;
}

export function jsonLines(text: string): unknown[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}
