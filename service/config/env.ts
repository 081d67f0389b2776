/**
 * `${env:NAME}` and `${env:NAME:-default}` in configuration values, as the Collector's
 * env provider reads them:
 * - the default applies when NAME is unset or empty (shell `:-`);
 * - NAME unset and no default is an issue naming the variable;
 * - `$$` is a literal `$` (so `$${env:X}` stays the text `${env:X}`);
 * - a value that is exactly one reference takes the variable's YAML type, so
 *   `batch_size: ${env:BATCH:-512}` is the number 512; inside longer text it is text;
 * - any other `${...}` is an issue (only the env scheme is supported).
 * Only values are expanded, never keys. Variable values never appear in issues or logs.
 */
import { parse as parseYaml } from 'yaml';
import type { ConfigIssue } from '../../component/factory';
import { joinPath } from './issues';

const REFERENCE = /\$\$|\$\{([^}]*)\}/g;
const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export type Env = Readonly<Record<string, string | undefined>>;

/** Returns a copy of `value` with references expanded; problems are added to `issues`. */
export function expandEnv(value: unknown, env: Env, issues: ConfigIssue[], path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') return expandString(value, env, issues, path);
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, issues, [...path, k]);
    return out;
  }
  return value;
}

function expandString(text: string, env: Env, issues: ConfigIssue[], path: PropertyKey[]): unknown {
  if (text.indexOf('$') < 0) return text;
  let whole: string | undefined;
  let failed = false;
  const out = text.replace(REFERENCE, (match: string, ref: string | undefined, offset: number) => {
    if (match === '$$') return '$';
    const m = ENV_REF.exec(ref ?? '');
    if (m === null) {
      issues.push({
        path: joinPath('', path),
        message: `Unsupported reference ${JSON.stringify(match)}; expected \${env:NAME} or \${env:NAME:-default}`,
      });
      failed = true;
      return match;
    }
    const name = m[1]!;
    const fallback = m[2];
    const v = env[name];
    let resolved: string;
    if (v !== undefined && v !== '') resolved = v;
    else if (fallback !== undefined) resolved = fallback;
    else if (v === '') resolved = '';
    else {
      issues.push({
        path: joinPath('', path),
        message: `Environment variable ${name} is not set; set it or give a default: \${env:${name}:-value}`,
      });
      failed = true;
      return match;
    }
    if (offset === 0 && match.length === text.length) whole = resolved;
    return resolved;
  });
  if (failed) return text;
  if (whole !== undefined) return typedScalar(whole);
  return out;
}

/** A whole-value reference keeps the variable's YAML scalar type (number, boolean). */
function typedScalar(s: string): unknown {
  if (!/^\s*(?:[-+]?(?:\d[\d_]*)(?:\.\d+)?(?:e[-+]?\d+)?|true|false|True|False|TRUE|FALSE)\s*$/.test(s)) return s;
  try {
    const v: unknown = parseYaml(s);
    return typeof v === 'number' || typeof v === 'boolean' ? v : s;
  } catch {
    return s;
  }
}
