#!/usr/bin/env node
/**
 * The `kata-otel` bin. Only this file touches process.exit and signals.
 *
 * Exit codes of parse: 0 ok; 1 an input could not be read or output failed (the other
 * inputs are still processed); 2 usage error; 130 / 143 after SIGINT / SIGTERM (the records
 * read so far are still written).
 * Of run: 0 after a graceful shutdown (SIGTERM/SIGINT, or idle with --exit-when-idle);
 * 1 a component failed; 2 configuration issues or a usage error; a second signal exits
 * at once with 130 / 143. Of validate: 0 valid, 2 issues. Of rules: 0 ok, 1 rule issues or
 * failed test cases, 2 usage error.
 */
import { parseArgs } from 'node:util';
import type * as ParseCommand from './parse-command';
import type * as RulesCommand from './rules-command';
import type * as RunCommand from './run-command';
import { HELP, packageVersion, USAGE, UsageError } from './usage';

// Each command loads its own modules when it runs: `run` pulls in every component (gRPC,
// HTTP, SQLite), which made `kata-otel parse` of a few lines spend 40% of its 0.3 s loading
// code it never used.
const parseCommandModule = (): typeof ParseCommand => require('./parse-command') as typeof ParseCommand;
const rulesCommandModule = (): typeof RulesCommand => require('./rules-command') as typeof RulesCommand;
const runCommandModule = (): typeof RunCommand => require('./run-command') as typeof RunCommand;

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(argv: string[]): Promise<number> {
  // Global options come before the subcommand.
  const first = argv.findIndex((a) => !a.startsWith('-') || a === '-');
  const globalArgs = first < 0 ? argv : argv.slice(0, first);
  let globals;
  try {
    globals = parseArgs({
      args: globalArgs,
      strict: true,
      allowPositionals: false,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (globals.version === true) {
    process.stdout.write(`kata-otel ${packageVersion()}\n`);
    return 0;
  }
  if (globals.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const command = first < 0 ? undefined : argv[first];
  const rest = first < 0 ? [] : argv.slice(first + 1);
  switch (command) {
    case undefined:
      throw new UsageError('no command given');
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case 'parse':
      return parseCommand(rest);
    case 'run':
      return runCommand(rest);
    case 'validate':
      return validateCommand(rest);
    case 'rules':
      return rulesCommand(rest);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

async function parseCommand(args: string[]): Promise<number> {
  const { parseParseArgs, runParse } = parseCommandModule();
  const parsed = parseParseArgs(args);
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let signal: string | undefined;
  const interrupt = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    // The first signal stops reading and lets what was read be written; a second one
    // does not wait.
    if (signal !== undefined) process.exit(SIGNAL_EXIT[name] ?? 1);
    signal = name;
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await runParse(parsed.options, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: interrupt.signal,
    version: packageVersion(),
  });
  return signal !== undefined ? (SIGNAL_EXIT[signal] ?? 1) : code;
}

function rulesCommand(args: string[]): number {
  const { parseRulesArgs, runRules } = rulesCommandModule();
  const parsed = parseRulesArgs(args);
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  return runRules(parsed.options, { stdout: process.stdout, stderr: process.stderr });
}

async function validateCommand(args: string[]): Promise<number> {
  const { parseConfigArgs, runValidate } = runCommandModule();
  const parsed = parseConfigArgs('validate', args);
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  return runValidate(parsed.options, { stdout: process.stdout, stderr: process.stderr });
}

async function runCommand(args: string[]): Promise<number> {
  const { parseConfigArgs, runService } = runCommandModule();
  const parsed = parseConfigArgs('run', args);
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // The first signal starts a graceful shutdown (exit 0 once it is done); a second one
  // does not wait.
  const stop = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(SIGNAL_EXIT[name] ?? 1);
    stop.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return runService(parsed.options, { stdout: process.stdout, stderr: process.stderr, stop: stop.signal });
}

// Nowhere to report a closed stderr; without a listener its EPIPE would crash the run.
process.stderr.on('error', () => undefined);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`kata-otel: ${err.message}\n${USAGE}\nTry 'kata-otel --help' for more.\n`);
      process.exit(2);
    }
    process.stderr.write(`kata-otel: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
