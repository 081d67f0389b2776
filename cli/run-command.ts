/**
 * `kata-otel run --config FILE [--exit-when-idle]`: the sidecar.
 * `kata-otel validate --config FILE`: the configuration check alone.
 *
 * Both print every configuration issue (`path: message`) and return 2 when there is any.
 * `run` then logs JSON lines on stderr, runs until stopped (SIGTERM/SIGINT, handled by the
 * bin, arrive here as `stop`), shuts down gracefully and returns 0; 1 when a component
 * failed. The commands never call process.exit.
 */
import { parseArgs } from 'node:util';
import type { ComponentRegistry } from '../service/component-registry';
import type { Env } from '../service/config/env';
import { formatIssue } from '../service/config/issues';
import { describeConfig, loadConfigFile } from '../service/config/load';
import type { LoadResult } from '../service/config/types';
import { defaultRegistry } from '../service/registry';
import { Service } from '../service/service';
import type { LineWriter } from '../service/telemetry/logger';
import { ServiceTelemetry } from '../service/telemetry/telemetry';
import { UsageError } from './usage';

export interface ConfigCommandOptions {
  config: string;
  exitWhenIdle: boolean;
}

export type ConfigArgsResult = { help: true } | { help: false; options: ConfigCommandOptions };

/** Reads the arguments after `run` or `validate`. Throws UsageError on any mistake. */
export function parseConfigArgs(command: 'run' | 'validate', args: string[]): ConfigArgsResult {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c', multiple: true },
        help: { type: 'boolean', short: 'h' },
        ...(command === 'run' ? { 'exit-when-idle': { type: 'boolean' as const } } : {}),
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values as { config?: string[]; help?: boolean; 'exit-when-idle'?: boolean };
  if (v.help === true) return { help: true };
  const config = v.config ?? [];
  if (config.length === 0) throw new UsageError(`${command} needs --config FILE`);
  if (config.length > 1) throw new UsageError('give --config once');
  if (config[0] === '') throw new UsageError('--config needs a file name');
  return { help: false, options: { config: config[0]!, exitWhenIdle: v['exit-when-idle'] === true } };
}

export interface ConfigCommandIo {
  stdout: LineWriter;
  stderr: LineWriter;
  env?: Env;
  registry?: ComponentRegistry;
}

export interface RunIo extends ConfigCommandIo {
  /** Aborted on SIGTERM / SIGINT; `reason` is the signal name. */
  stop: AbortSignal;
  /** Shutdown deadline (default: the service's 15 s). */
  shutdownTimeoutMs?: number;
}

function printIssues(file: string, result: LoadResult, stderr: LineWriter): void {
  for (const w of result.warnings) stderr.write(`kata-otel: warning: ${formatIssue(w)}\n`);
  if (result.issues.length === 0) return;
  const n = result.issues.length;
  stderr.write(`kata-otel: ${file}: ${n} configuration issue${n === 1 ? '' : 's'}:\n`);
  for (const i of result.issues) stderr.write(`  ${formatIssue(i)}\n`);
}

async function load(file: string, io: ConfigCommandIo): Promise<LoadResult> {
  return loadConfigFile(file, { registry: io.registry ?? defaultRegistry(), env: io.env ?? process.env });
}

/** `kata-otel validate`: 0 and a summary when the config is valid, else 2 and every issue. */
export async function runValidate(opts: ConfigCommandOptions, io: ConfigCommandIo): Promise<number> {
  const result = await load(opts.config, io);
  printIssues(opts.config, result, io.stderr);
  if (result.config === undefined) return 2;
  io.stdout.write(`config OK: ${describeConfig(result.config)}\n`);
  return 0;
}

/** `kata-otel run`: resolves to the exit code once the service stopped. */
export async function runService(opts: ConfigCommandOptions, io: RunIo): Promise<number> {
  const result = await load(opts.config, io);
  if (result.config === undefined) {
    printIssues(opts.config, result, io.stderr);
    return 2;
  }
  const config = result.config;
  const telemetry = new ServiceTelemetry({ level: config.telemetry.logs.level, out: io.stderr });
  const logger = telemetry.logger;
  for (const w of result.warnings) logger.warn('configuration warning', { key: w.path, problem: w.message });

  let service: Service;
  try {
    service = new Service(config, { telemetry, shutdownTimeoutMs: io.shutdownTimeoutMs });
  } catch (err) {
    logger.error('cannot build the pipelines', { error: err });
    return 1;
  }
  const onStop = (): void => {
    const reason = io.stop.reason;
    void service.shutdown(typeof reason === 'string' ? reason : 'stop requested');
  };
  if (io.stop.aborted) onStop();
  else io.stop.addEventListener('abort', onStop, { once: true });

  logger.info('starting kata-otel', { config: opts.config, summary: describeConfig(config) });
  try {
    await service.start();
  } catch {
    // Logged by the service, which also stopped what had started.
    await service.done;
    return 1;
  }
  if (opts.exitWhenIdle) {
    const idle = service.whenIdle();
    if (idle === undefined) {
      logger.warn('--exit-when-idle: a receiver follows live input and never becomes idle; running until stopped');
    } else {
      void idle.then(() => service.shutdown('all receivers idle (--exit-when-idle)'));
    }
  }
  const done = await service.done;
  io.stop.removeEventListener('abort', onStop);
  return done.error === undefined ? 0 : 1;
}
