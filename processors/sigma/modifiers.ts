/**
 * The value modifiers of Sigma specification v2 (`field|m1|m2`), checked at load.
 * Supported ones are listed in SUPPORTED; the rest of the specification's modifiers are
 * named in UNSUPPORTED so a rule using them fails to load with that name instead of
 * matching something else.
 */
import { ConstructError } from './errors';

export const SUPPORTED = [
  'contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'exists', 'gt', 'gte', 'lt', 'lte',
  'cased', 'base64', 'base64offset', 'windash', 'fieldref', 'expand',
] as const;
export type Modifier = (typeof SUPPORTED)[number];

const UNSUPPORTED = new Set([
  'neq', 'utf16le', 'utf16be', 'utf16', 'wide', 'minute', 'hour', 'day', 'week', 'month', 'year',
]);

const SUPPORTED_SET: ReadonlySet<string> = new Set(SUPPORTED);

export interface FieldSpec {
  /** '' for a keyword list (`'|all': [...]`). */
  field: string;
  modifiers: readonly Modifier[];
  /** What the value list becomes. */
  kind: 'string' | 're' | 'cidr' | 'exists' | 'numeric' | 'fieldref';
  /** contains / startswith / endswith, or '' for the whole value. */
  anchor: '' | 'contains' | 'startswith' | 'endswith';
  all: boolean;
  cased: boolean;
  /** Transformations in the order written. */
  transforms: readonly ('windash' | 'base64' | 'base64offset')[];
  expand: boolean;
  reFlags: { i: boolean; m: boolean; s: boolean };
  numeric?: 'gt' | 'gte' | 'lt' | 'lte';
}

export function parseFieldSpec(key: string, where: string = key): FieldSpec {
  const parts = key.split('|');
  const field = parts[0]!;
  const spec: FieldSpec = {
    field, modifiers: [], kind: 'string', anchor: '', all: false, cased: false, transforms: [], expand: false,
    reFlags: { i: false, m: false, s: false },
  };
  const mods: Modifier[] = [];
  const transforms: ('windash' | 'base64' | 'base64offset')[] = [];
  const kinds = new Set<FieldSpec['kind']>();
  for (const raw of parts.slice(1)) {
    const m = raw.trim();
    if (UNSUPPORTED.has(m)) throw new ConstructError(where, `modifier '${m}' is not supported by kata-otel's evaluator`);
    if (!SUPPORTED_SET.has(m)) throw new ConstructError(where, `unknown modifier '${m}'`);
    if (mods.includes(m as Modifier)) throw new ConstructError(where, `modifier '${m}' is given twice`);
    mods.push(m as Modifier);
    switch (m as Modifier) {
      case 'contains':
      case 'startswith':
      case 'endswith':
        if (spec.anchor !== '') throw new ConstructError(where, `'${m}' cannot be combined with '${spec.anchor}'`);
        spec.anchor = m as FieldSpec['anchor'];
        break;
      case 'all':
        spec.all = true;
        break;
      case 'cased':
        spec.cased = true;
        break;
      case 'windash':
      case 'base64':
      case 'base64offset':
        if (spec.anchor !== '') throw new ConstructError(where, `'${m}' must come before '${spec.anchor}' (it transforms the value the match uses)`);
        transforms.push(m as 'windash');
        break;
      case 'expand':
        spec.expand = true;
        break;
      case 're':
        kinds.add('re');
        break;
      case 'i':
      case 'm':
      case 's':
        if (!mods.includes('re')) throw new ConstructError(where, `'${m}' is a sub-modifier of 're' and must follow it`);
        spec.reFlags[m as 'i'] = true;
        break;
      case 'cidr':
        kinds.add('cidr');
        break;
      case 'exists':
        kinds.add('exists');
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (spec.numeric !== undefined) throw new ConstructError(where, `'${m}' cannot be combined with '${spec.numeric}'`);
        spec.numeric = m as 'gt';
        kinds.add('numeric');
        break;
      case 'fieldref':
        kinds.add('fieldref');
        break;
    }
  }
  if (kinds.size > 1) throw new ConstructError(where, `modifiers ${[...kinds].join(' and ')} cannot be combined`);
  spec.kind = [...kinds][0] ?? 'string';
  spec.modifiers = mods;
  spec.transforms = transforms;
  const only = (allowed: readonly string[]): void => {
    const extra = mods.filter((x) => x !== spec.kind && x !== spec.numeric && !allowed.includes(x));
    if (extra.length > 0) throw new ConstructError(where, `'${spec.numeric ?? spec.kind}' cannot be combined with ${extra.map((x) => `'${x}'`).join(', ')}`);
  };
  if (spec.kind === 're') only(['i', 'm', 's', 'all', 'expand']);
  else if (spec.kind === 'cidr') only(['expand']);
  else if (spec.kind === 'exists' || spec.kind === 'numeric') only(['all']);
  else if (spec.kind === 'fieldref') only(['contains', 'startswith', 'endswith', 'cased', 'all']);
  if (field === '' && spec.kind !== 'string') throw new ConstructError(where, 'a keyword list (no field name) only takes string modifiers');
  if ((transforms.includes('base64') || transforms.includes('base64offset')) && transforms.includes('windash')) {
    if (transforms.indexOf('windash') > Math.max(transforms.indexOf('base64'), transforms.indexOf('base64offset'))) {
      throw new ConstructError(where, "'windash' must come before 'base64'/'base64offset'");
    }
  }
  if (transforms.includes('base64') && transforms.includes('base64offset')) {
    throw new ConstructError(where, "'base64' and 'base64offset' cannot be combined");
  }
  return spec;
}

/** Characters windash swaps in; all permutations are generated. */
const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];
/** Bounds the permutations: 5^4 = 625 variants of one value. */
const MAX_WINDASH_POSITIONS = 4;

/**
 * `windash`: every `-` or `/` that starts an option (not preceded by a word character,
 * followed by one, as pySigma's `\B[-/]\b`) takes each of the dash characters.
 */
export function windash(value: string, key: string): string[] {
  const positions: number[] = [];
  const word = /[A-Za-z0-9_]/;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '-' && c !== '/') continue;
    const before = i > 0 && word.test(value[i - 1]!);
    const after = i + 1 < value.length && word.test(value[i + 1]!);
    if (!before && after) positions.push(i);
  }
  if (positions.length > MAX_WINDASH_POSITIONS) {
    throw new ConstructError(key, `windash on a value with ${positions.length} options (at most ${MAX_WINDASH_POSITIONS})`);
  }
  let out = [value];
  for (const p of positions) {
    const next: string[] = [];
    for (const v of out) for (const d of DASHES) next.push(v.slice(0, p) + d + v.slice(p + 1));
    out = next;
  }
  return out;
}

export function base64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

/**
 * `base64offset`: the value may sit at any of the three byte offsets of a longer encoded
 * text, so each variant drops the characters that depend on the unknown neighbours.
 */
export function base64offset(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  const startTrim = [0, 2, 3];
  const endTrim = [0, 3, 2];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString('base64');
    const end = enc.length - endTrim[(bytes.length + shift) % 3]!;
    out.push(enc.slice(startTrim[shift]!, end).replace(/=+$/, ''));
  }
  return out;
}
