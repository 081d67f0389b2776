/**
 * The journalctl command line. `-o json` prints one entry per line with every value a
 * string (a byte array when not UTF-8, an array when the field repeats); `--all` prints
 * fields over 4096 bytes instead of `null`; `--follow` keeps going. Matches on different
 * fields are ANDed by journalctl and `+` ORs the groups around it, so identifiers and units
 * select entries from either list.
 */
import type { JournaldConfig } from './config';

export type StartPoint =
  | { kind: 'cursor'; cursor: string; inclusive: boolean }
  | { kind: 'beginning' }
  | { kind: 'end' };

const UNIT_SUFFIX = /\.(service|socket|scope|slice|timer|mount|target|path|swap|device|automount)$/;

/** `containerd` → `containerd.service`, as `journalctl -u` would read it. */
export function unitName(unit: string): string {
  return UNIT_SUFFIX.test(unit) ? unit : `${unit}.service`;
}

export function journalctlArgs(config: JournaldConfig, from: StartPoint): string[] {
  const args = ['--output=json', '--all', '--follow', '--no-pager', '--quiet'];
  if (config.directory !== undefined) args.push(`--directory=${config.directory}`);
  switch (from.kind) {
    case 'cursor':
      // --follow alone shows only the last 10 entries, with a cursor too: --no-tail lifts that.
      args.push(from.inclusive ? `--cursor=${from.cursor}` : `--after-cursor=${from.cursor}`, '--no-tail');
      break;
    case 'beginning':
      args.push('--no-tail');
      break;
    case 'end':
      args.push('--lines=0');
      break;
  }
  const ids = config.identifiers.map((i) => `SYSLOG_IDENTIFIER=${i}`);
  const units = config.units.map((u) => `_SYSTEMD_UNIT=${unitName(u)}`);
  if (ids.length > 0 && units.length > 0) args.push(...ids, '+', ...units);
  else args.push(...ids, ...units);
  return args;
}

/**
 * journalctl arguments that print the newest entry of the whole journal (no filters), whose
 * cursor is where `start_at: end` begins. `--follow --lines=0` with filters is not used for
 * that: when nothing matched the filters yet, journalctl 252 shows only the last of the
 * first entries appended at once, and a journalctl restarted at the end skips what was
 * written while it was down.
 */
export function journalctlTailArgs(config: JournaldConfig): string[] {
  const args = ['--output=json', '--lines=1', '--no-pager', '--quiet'];
  if (config.directory !== undefined) args.push(`--directory=${config.directory}`);
  return args;
}

/** The cursor of the journalctlTailArgs output; null when the journal has no entry. */
export function tailCursor(stdout: string): string | null {
  const line = stdout.trim().split('\n').pop() ?? '';
  if (line === '') return null;
  const cursor = (JSON.parse(line) as { __CURSOR?: unknown }).__CURSOR;
  if (typeof cursor !== 'string' || cursor === '') throw new Error('the newest entry has no __CURSOR');
  return cursor;
}

