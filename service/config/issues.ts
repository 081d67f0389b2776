/**
 * Turning schema failures into ConfigIssues that name the key and say what is expected:
 *
 *   receivers.static_file.paths: Required: a list of files to read
 *   exporters.file.format: Expected one of "otlp_json", "ndjson", got "json"
 *   exporters.file.rotate: Unknown key; expected one of: path, format, append, rotation
 *
 * A schema says what a key expects with `.describe('a list of files to read')` on the
 * key's own type (before `.default()` / `.optional()`); without one the message names
 * the type ("a string", "a list", "a mapping"). A message given in the schema itself
 * (`z.string().min(1, 'Must not be empty')`) is kept as written.
 */
import type { z } from 'zod';
import type { ConfigIssue, Factory } from '../../component/factory';

/** `a.b[0].c` from a base path and zod path segments. */
export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  date: 'a date',
  null: 'nothing',
};

/** How a YAML value reads in a message. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

interface RawIssue {
  code?: string;
  input?: unknown;
  inst?: unknown;
  expected?: string;
  values?: readonly unknown[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
}

function describedAs(inst: unknown): string | undefined {
  const d = (inst as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' && d !== '' ? d : undefined;
}

function shapeKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape === undefined ? [] : Object.keys(shape);
}

function plural(n: number | bigint, one: string, many: string): string {
  return `${n} ${Number(n) === 1 ? one : many}`;
}

/** The message for one issue, or undefined to keep zod's (a schema's own message always wins). */
function issueMessage(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      const expected = describedAs(iss.inst) ?? TYPE_NAMES[iss.expected ?? ''] ?? iss.expected ?? 'a value';
      if (iss.input === undefined) return `Required: ${expected}`;
      return `Expected ${expected}, got ${describeValue(iss.input)}`;
    }
    case 'invalid_value': {
      const values = (iss.values ?? []).map((v) => JSON.stringify(v));
      return values.length === 1
        ? `Expected ${values[0]}, got ${describeValue(iss.input)}`
        : `Expected one of ${values.join(', ')}, got ${describeValue(iss.input)}`;
    }
    case 'unrecognized_keys': {
      const keys = shapeKeys(iss.inst);
      return keys.length > 0 ? `Unknown key; expected one of: ${keys.join(', ')}` : 'Unknown key; this section takes no keys';
    }
    case 'too_small': {
      const min = iss.minimum ?? 0;
      if (iss.origin === 'array' || iss.origin === 'set') return `Expected at least ${plural(min, 'item', 'items')}`;
      if (iss.origin === 'string') return Number(min) <= 1 ? 'Must not be empty' : `Expected at least ${plural(min, 'character', 'characters')}`;
      return `Expected a number ${iss.inclusive === false ? '>' : '>='} ${min}, got ${describeValue(iss.input)}`;
    }
    case 'too_big': {
      const max = iss.maximum ?? 0;
      if (iss.origin === 'array' || iss.origin === 'set') return `Expected at most ${plural(max, 'item', 'items')}`;
      if (iss.origin === 'string') return `Expected at most ${plural(max, 'character', 'characters')}`;
      return `Expected a number ${iss.inclusive === false ? '<' : '<='} ${max}, got ${describeValue(iss.input)}`;
    }
    case 'invalid_union': {
      const d = describedAs(iss.inst);
      return d === undefined ? undefined : `Expected ${d}, got ${describeValue(iss.input)}`;
    }
    default:
      return undefined;
  }
}

/** Parses `raw` with `schema`; every issue comes back prefixed with `base`. */
export function parseWithIssues<T>(schema: z.ZodType<T>, raw: unknown, base: string): { data?: T; issues: ConfigIssue[] } {
  const result = schema.safeParse(raw, { error: (iss) => issueMessage(iss as RawIssue) });
  if (result.success) return { data: result.data, issues: [] };
  const issues: ConfigIssue[] = [];
  for (const i of result.error.issues) {
    if (i.code === 'unrecognized_keys') {
      // One issue per unknown key, at the key itself.
      for (const k of i.keys) issues.push({ path: joinPath(base, [...i.path, k]), message: i.message });
    } else {
      issues.push({ path: joinPath(base, i.path), message: i.message });
    }
  }
  return { issues };
}

/**
 * A component's config: its schema (defaults filled in, unknown keys rejected), then its
 * factory's validate() when the schema passed. A key with no body (`debug:`) is `{}`.
 */
export function parseComponent<C>(factory: Factory<C>, raw: unknown, base: string): { config?: C; issues: ConfigIssue[] } {
  const parsed = parseWithIssues(factory.schema, raw ?? {}, base);
  if (parsed.data === undefined) return { issues: parsed.issues };
  const extra = (factory.validate?.(parsed.data) ?? []).map((i) => ({ path: i.path === '' ? base : joinPath(base, [i.path]).replace(/\.\[/g, '['), message: i.message }));
  return extra.length > 0 ? { issues: extra } : { config: parsed.data, issues: [] };
}

/** `path: message`, as every command prints an issue. */
export function formatIssue(i: ConfigIssue): string {
  return i.path === '' ? i.message : `${i.path}: ${i.message}`;
}
