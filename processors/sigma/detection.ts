/**
 * A rule's `detection` compiled to a predicate tree: search identifiers (maps ANDed, lists
 * ORed, keyword lists matched against `body`) and the condition over them. Everything is
 * decided here, once per rule: values are parsed, modifiers applied, regexes and CIDR
 * lists built; evaluation only reads the record.
 */
import { BlockList, isIP } from 'node:net';
import type { Cond } from './condition';
import { parseCondition } from './condition';
import { ConstructError } from './errors';
import type { Getter } from './fields';
import { anyText, asText, EvalCtx, fieldGetter } from './fields';
import type { FieldSpec } from './modifiers';
import { base64, base64offset, parseFieldSpec, windash } from './modifiers';
import type { Need } from './prefilter';
import { atom, needAll, needAny } from './prefilter';
import { compileRegex, requiredLiteral } from './regex';
import type { TextTest } from './wildcard';
import { compileWildcard, escapeLiteral, longestLiteral, parseWildcard } from './wildcard';

export interface Node {
  test(ctx: EvalCtx): boolean;
  readonly need: Need;
}

export interface DetectionOptions {
  /** `expand` placeholder values (Sigma strings: wildcards allowed). */
  placeholders: Readonly<Record<string, readonly string[]>>;
  /** Lint: an unknown placeholder compiles to "never matches" instead of failing. */
  lenientPlaceholders: boolean;
  /** Every field name a rule uses is reported here (lint checks them against semconv). */
  onField?: (field: string, where: string) => void;
}

const MAX_VALUES = 4096;
const MAX_EXPANSIONS = 1024;

const NEVER: Node = { test: () => false, need: null };

type Scalar = string | number | boolean;

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Replaces `%name%` (not `\%`) with each configured value; the cartesian product when several. */
function expandPlaceholders(value: string, opts: DetectionOptions, where: string): string[] | undefined {
  let out = [''];
  const re = /\\%|%([A-Za-z0-9_.-]+)%/g;
  let last = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const lit = value.slice(last, m.index) + (m[1] === undefined ? '%' : '');
    out = out.map((o) => o + lit);
    last = re.lastIndex;
    if (m[1] === undefined) continue;
    const vals = opts.placeholders[m[1]];
    if (vals === undefined) {
      if (opts.lenientPlaceholders) return undefined;
      throw new ConstructError(where, `placeholder %${m[1]}% has no values (set processors.sigma.expand.${m[1]})`);
    }
    const next: string[] = [];
    for (const o of out) for (const v of vals) next.push(o + v);
    if (next.length > MAX_EXPANSIONS) throw new ConstructError(where, `placeholders expand to more than ${MAX_EXPANSIONS} values`);
    out = next;
  }
  return out.map((o) => o + value.slice(last));
}

/** A string value through the spec's transformations to the Sigma texts to match (variants, ORed). */
function stringVariants(value: string, spec: FieldSpec, where: string): string[] {
  let vals = [value];
  for (const t of spec.transforms) {
    if (t === 'windash') {
      vals = vals.flatMap((v) => windash(v, where));
      continue;
    }
    vals = vals.flatMap((v) => {
      const w = parseWildcard(v);
      if (w.hasStar || w.hasOne) throw new ConstructError(where, `'${t}' cannot encode a value with wildcards (${JSON.stringify(v)})`);
      const text = w.segments[0]!;
      return (t === 'base64' ? [base64(text)] : base64offset(text)).map(escapeLiteral);
    });
  }
  if (spec.anchor === 'contains') vals = vals.map((v) => `*${v}*`);
  else if (spec.anchor === 'startswith') vals = vals.map((v) => `${v}*`);
  else if (spec.anchor === 'endswith') vals = vals.map((v) => `*${v}`);
  return vals;
}

function textNode(field: string, get: Getter, groups: readonly TextTest[][], all: boolean, lower: boolean, need: Need): Node {
  const flat = groups.flat();
  const one = flat.length === 1 ? flat[0]! : undefined;
  const matchAny = (s: string): boolean => {
    for (const t of flat) if (t(s)) return true;
    return false;
  };
  const test = all
    ? (v: string | readonly string[]): boolean => groups.every((g) => g.some((t) => anyText(v, t)))
    : (v: string | readonly string[]): boolean => anyText(v, one ?? matchAny);
  return lower
    ? { need, test: (ctx) => {
      const v = ctx.lower(field, get);
      return v !== undefined && test(v);
    } }
    : { need, test: (ctx) => {
      const v = asText(get(ctx.record));
      return v !== undefined && test(v);
    } };
}

function compileItem(key: string, rawValue: unknown, opts: DetectionOptions, where: string): Node {
  const spec = parseFieldSpec(key, where);
  const field = spec.field === '' ? 'body' : spec.field;
  if (spec.field !== '') opts.onField?.(spec.field, where);
  const get = fieldGetter(field);
  const list = Array.isArray(rawValue) ? rawValue : [rawValue];
  if (list.length === 0) throw new ConstructError(where, 'empty value list');
  if (list.length > MAX_VALUES) throw new ConstructError(where, `more than ${MAX_VALUES} values`);
  if (spec.all && list.length < 2 && !spec.expand) throw new ConstructError(where, "'all' needs a list of at least two values");
  if (list.some((v) => v === null)) {
    if (list.length > 1) throw new ConstructError(where, 'null cannot share a list with other values (use a separate selection)');
    if (spec.modifiers.length > 0) throw new ConstructError(where, 'null takes no modifiers');
    return { need: null, test: (ctx) => get(ctx.record) === undefined };
  }
  for (const v of list) {
    if (!isScalar(v)) throw new ConstructError(where, `value ${JSON.stringify(v)} is not a string, number or boolean`);
  }
  const scalars = list as Scalar[];

  if (spec.kind === 'exists') {
    if (scalars.length !== 1 || typeof scalars[0] !== 'boolean') throw new ConstructError(where, "'exists' takes true or false");
    const want = scalars[0];
    return { need: null, test: (ctx) => (get(ctx.record) !== undefined) === want };
  }
  if (spec.kind === 'numeric') {
    const nums = scalars.map((v) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw new ConstructError(where, `'${spec.numeric}' needs a number, not ${JSON.stringify(v)}`);
      return n;
    });
    const op = spec.numeric!;
    const cmp = op === 'gt' ? (a: number, b: number) => a > b : op === 'gte' ? (a: number, b: number) => a >= b
      : op === 'lt' ? (a: number, b: number) => a < b : (a: number, b: number) => a <= b;
    return {
      need: null,
      test: (ctx) => {
        const v = get(ctx.record);
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isNaN(n)) return false;
        return spec.all ? nums.every((x) => cmp(n, x)) : nums.some((x) => cmp(n, x));
      },
    };
  }

  // The remaining kinds take strings, possibly with placeholders.
  const written: string[][] = [];
  for (const v of scalars) {
    const s = String(v);
    if (!spec.expand) {
      written.push([s]);
      continue;
    }
    const e = expandPlaceholders(s, opts, where);
    if (e === undefined) return NEVER;
    written.push(e);
  }

  if (spec.kind === 'cidr') {
    const block = new BlockList();
    for (const s of written.flat()) {
      const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
      const family = m === null ? 0 : isIP(m[1]!);
      const prefix = m === null ? NaN : Number(m[2]);
      if (family === 0 || prefix > (family === 4 ? 32 : 128)) throw new ConstructError(where, `${JSON.stringify(s)} is not a CIDR block`);
      block.addSubnet(m![1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
    return {
      need: null,
      test: (ctx) => {
        const t = asText(get(ctx.record));
        if (t === undefined) return false;
        return anyText(t, (s) => {
          const f = isIP(s);
          return f !== 0 && block.check(s, f === 4 ? 'ipv4' : 'ipv6');
        });
      },
    };
  }
  if (spec.kind === 're') {
    const tests = written.map((g) => g.map((p) => compileRegex(p, spec.reFlags, where)));
    const needs = written.map((g) => needAny(g.map((p) => atom(field, requiredLiteral(p)))));
    return textNode(field, get, tests, spec.all, false, spec.all ? needAll(needs) : needAny(needs));
  }
  if (spec.kind === 'fieldref') {
    const refs = written.flat().map((name) => {
      opts.onField?.(name, where);
      return { name, get: fieldGetter(name) };
    });
    const lower = !spec.cased;
    const rel = spec.anchor === 'contains' ? (a: string, b: string) => a.includes(b)
      : spec.anchor === 'startswith' ? (a: string, b: string) => a.startsWith(b)
      : spec.anchor === 'endswith' ? (a: string, b: string) => a.endsWith(b) : (a: string, b: string) => a === b;
    const one = (ctx: EvalCtx, ref: { name: string; get: Getter }): boolean => {
      const a = lower ? ctx.lower(field, get) : asText(get(ctx.record));
      const b = lower ? ctx.lower(ref.name, ref.get) : asText(ref.get(ctx.record));
      if (a === undefined || b === undefined) return false;
      return anyText(a, (x) => anyText(b, (y) => rel(x, y)));
    };
    return { need: null, test: (ctx) => (spec.all ? refs.every((r) => one(ctx, r)) : refs.some((r) => one(ctx, r))) };
  }

  // Plain strings: Sigma's case-insensitive default; base64 output is case-sensitive by nature.
  const lower = !spec.cased && !spec.transforms.some((t) => t !== 'windash');
  const groups: TextTest[][] = [];
  const needs: Need[] = [];
  for (const g of written) {
    const variants = g.flatMap((v) => stringVariants(spec.field === '' && spec.anchor === '' ? `*${v}*` : v, spec, where));
    const parsed = variants.map(parseWildcard);
    groups.push(parsed.map((w) => compileWildcard(w, lower)));
    needs.push(needAny(parsed.map((w) => atom(field, longestLiteral(w)))));
  }
  const need = spec.all ? needAll(needs) : needAny(needs);
  return textNode(field, get, spec.all ? groups : [groups.flat()], spec.all, lower, need);
}

function andNode(nodes: Node[]): Node {
  if (nodes.length === 1) return nodes[0]!;
  return {
    need: needAll(nodes.map((n) => n.need)),
    test: (ctx) => {
      for (const n of nodes) if (!n.test(ctx)) return false;
      return true;
    },
  };
}

function orNode(nodes: Node[]): Node {
  if (nodes.length === 1) return nodes[0]!;
  return {
    need: needAny(nodes.map((n) => n.need)),
    test: (ctx) => {
      for (const n of nodes) if (n.test(ctx)) return true;
      return false;
    },
  };
}

function compileMap(map: Record<string, unknown>, opts: DetectionOptions, where: string): Node {
  const keys = Object.keys(map);
  if (keys.length === 0) throw new ConstructError(where, 'empty map');
  return andNode(keys.map((k) => compileItem(k, map[k], opts, `${where}.${k}`)));
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileIdentifier(value: unknown, opts: DetectionOptions, where: string): Node {
  if (isMap(value)) return compileMap(value, opts, where);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new ConstructError(where, 'empty list');
    if (value.every(isMap)) return orNode(value.map((m, i) => compileMap(m, opts, `${where}[${i}]`)));
    if (value.every(isScalar)) return compileItem('', value, opts, where);
    throw new ConstructError(where, 'a list must hold either maps or keywords, not both');
  }
  if (isScalar(value)) return compileItem('', [value], opts, where);
  throw new ConstructError(where, 'a search identifier must be a map, a list of maps or a list of keywords');
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function compileCond(c: Cond, ids: ReadonlyMap<string, Node>, where: string): Node {
  switch (c.op) {
    case 'and':
      return andNode(c.args.map((a) => compileCond(a, ids, where)));
    case 'or':
      return orNode(c.args.map((a) => compileCond(a, ids, where)));
    case 'not': {
      const inner = compileCond(c.arg, ids, where);
      return { need: null, test: (ctx) => !inner.test(ctx) };
    }
    case 'ref': {
      const n = ids.get(c.name);
      if (n === undefined) throw new ConstructError(where, `condition names '${c.name}', which is not a search identifier of detection`);
      return n;
    }
    case 'of': {
      const names = c.pattern === 'them'
        ? [...ids.keys()].filter((k) => !k.startsWith('_'))
        : [...ids.keys()].filter((k) => globToRegExp(c.pattern).test(k));
      if (names.length === 0) throw new ConstructError(where, `'${c.quantifier === 'one' ? '1' : 'all'} of ${c.pattern}' matches no search identifier`);
      const nodes = names.map((k) => ids.get(k)!);
      return c.quantifier === 'one' ? orNode(nodes) : andNode(nodes);
    }
  }
}

export function compileDetection(detection: unknown, opts: DetectionOptions): Node {
  if (!isMap(detection)) throw new ConstructError('detection', 'must be a map of search identifiers and a condition');
  const ids = new Map<string, Node>();
  for (const [name, value] of Object.entries(detection)) {
    if (name === 'condition') continue;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ConstructError(`detection.${name}`, 'a search identifier may only hold letters, digits, _ . and -');
    ids.set(name, compileIdentifier(value, opts, `detection.${name}`));
  }
  const cond = detection.condition;
  const texts = typeof cond === 'string' ? [cond] : Array.isArray(cond) && cond.length > 0 && cond.every((c) => typeof c === 'string') ? cond as string[] : undefined;
  if (texts === undefined) throw new ConstructError('detection.condition', 'must be a string (or a list of strings, ORed)');
  return orNode(texts.map((t, i) => compileCond(parseCondition(t, texts.length > 1 ? `detection.condition[${i}]` : 'detection.condition'), ids, 'detection.condition')));
}
