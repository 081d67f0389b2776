/**
 * Problems in rule files. Every issue names the file, the rule (its id, or its title when
 * the id is missing) and the construct, so a broken pack is fixed from the message alone.
 * Loading collects all issues of all files before failing, as `kata-otel validate` does
 * for configurations.
 */
import { KataOtelError } from '../../component/errors';

export interface RuleIssue {
  file: string;
  /** 1-based line of the key, when the file was read from disk. */
  line?: number;
  /** The rule's id, else its title, else '' (the file itself is broken). */
  rule: string;
  /** The key or construct, e.g. `detection.selection.Image|utf16le`. */
  where: string;
  message: string;
}

export function formatIssue(i: RuleIssue): string {
  const rule = i.rule === '' ? '' : ` rule ${i.rule}`;
  const where = i.where === '' ? '' : ` ${i.where}:`;
  return `${i.file}${i.line === undefined ? '' : `:${i.line}`}:${rule}${where} ${i.message}`;
}

/** Thrown by a load that found issues; the message lists every one. */
export class RuleLoadError extends KataOtelError {
  constructor(readonly issues: readonly RuleIssue[]) {
    const shown = issues.slice(0, 50).map(formatIssue);
    if (issues.length > shown.length) shown.push(`... and ${issues.length - shown.length} more`);
    super('KO_ERR_SIGMA_RULES', `cannot load Sigma rules (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n  ${shown.join('\n  ')}`);
    this.name = 'RuleLoadError';
  }
}

/** Thrown while compiling one construct; the loader adds file and rule. */
export class ConstructError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConstructError';
  }
}
