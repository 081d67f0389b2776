/**
 * `--summary`: what a run saw, printed to stderr at the end. Each "by" table counts every
 * record exactly once, so each adds up to `records`.
 */
import type { LogRecord } from '../pdata/log-record';
import { K } from '../receiver/kata/keys';
import { padEnd, padStart, severityName } from './text';

export interface RunTotals {
  inputs: number;
  inputErrors: number;
  linesRead: number;
  linesCut: number;
  blankLines: number;
  records: number;
  failed: number;
  partial: number;
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function label(v: unknown): string {
  return typeof v === 'string' && v !== '' ? v : '(none)';
}

export class SummaryCounter {
  readonly byComponent = new Map<string, number>();
  readonly bySeverity = new Map<string, number>();
  readonly byFormat = new Map<string, number>();

  add(r: LogRecord): void {
    bump(this.byComponent, label(r.attributes[K.COMPONENT]));
    bump(this.bySeverity, severityName(r.severityNumber));
    bump(this.byFormat, label(r.attributes[K.LOG_FORMAT]));
  }

  render(t: RunTotals): string {
    const rows: Array<[string, number]> = [
      ['inputs', t.inputs],
      ['input errors', t.inputErrors],
      ['lines read', t.linesRead],
      ['lines cut', t.linesCut],
      ['blank lines skipped', t.blankLines],
      ['records', t.records],
      ['parse failures', t.failed],
      ['partial parses', t.partial],
    ];
    const out: string[] = ['kata-otel parse summary'];
    for (const [name, n] of rows) out.push(`  ${padEnd(name, 22)}${padStart(String(n), 10)}`);
    const table = (title: string, m: Map<string, number>): void => {
      out.push(`  by ${title}`);
      const entries = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      for (const [name, n] of entries) out.push(`    ${padEnd(name, 20)}${padStart(String(n), 10)}`);
    };
    table('kata.component', this.byComponent);
    table('severity', this.bySeverity);
    table('kata.log.format', this.byFormat);
    return out.join('\n') + '\n';
  }
}
