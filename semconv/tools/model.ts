/**
 * Loads the Kata semantic-conventions registry (semconv/model/) into typed objects.
 *
 * The YAML follows the OpenTelemetry semantic-conventions model (see the weaver docs): a
 * manifest.yaml, group files with `groups:`, plus our own otel-reused.yaml (`reused:`). The
 * loader is lenient on purpose: it never throws on bad content, it records what it could not
 * read as issues and keeps going, so the checker can report every problem in one run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';

export const STABILITY_LEVELS = ['development', 'alpha', 'beta', 'release_candidate', 'stable'] as const;
export type Stability = (typeof STABILITY_LEVELS)[number];

const SCALAR_TYPES = ['string', 'int', 'double', 'boolean'] as const;
/** Every `type:` string the model accepts (enums are written as `type: {members: [...]}`). */
export const ATTRIBUTE_TYPES: readonly string[] = [
  ...SCALAR_TYPES,
  ...SCALAR_TYPES.map((t) => `${t}[]`),
  'any',
  ...SCALAR_TYPES.map((t) => `template[${t}]`),
  ...SCALAR_TYPES.map((t) => `template[${t}[]]`),
  'template[any]',
];

export const GROUP_TYPES = ['attribute_group', 'span', 'metric', 'event', 'entity'] as const;

/** `required`, `recommended`, `opt_in`, or `{conditionally_required: text}` / `{recommended: text}` / `{opt_in: text}`. */
export type RequirementLevel =
  | { level: 'required' | 'recommended' | 'opt_in'; text?: string }
  | { level: 'conditionally_required'; text: string };

export interface EnumMember {
  id: string;
  value: string | number | undefined;
  brief: string | undefined;
  note: string | undefined;
  stability: string | undefined;
  deprecated: unknown;
}

export interface EnumType {
  members: EnumMember[];
}

export type AttributeType = string | EnumType;

export interface AttributeDef {
  kind: 'def';
  id: string;
  type: AttributeType | undefined;
  stability: string | undefined;
  brief: string | undefined;
  note: string | undefined;
  examples: unknown[] | undefined;
  requirementLevel: RequirementLevel | undefined;
  deprecated: unknown;
}

export interface AttributeRef {
  kind: 'ref';
  ref: string;
  brief: string | undefined;
  note: string | undefined;
  examples: unknown[] | undefined;
  requirementLevel: RequirementLevel | undefined;
}

export type GroupAttribute = AttributeDef | AttributeRef;

export interface Group {
  /** Path of the YAML file, relative to the model directory, with `/` separators. */
  file: string;
  id: string;
  type: string | undefined;
  brief: string | undefined;
  note: string | undefined;
  stability: string | undefined;
  displayName: string | undefined;
  /** Event name (`type: event`), entity name, ... */
  name: string | undefined;
  attributes: GroupAttribute[];
}

/** One OpenTelemetry attribute we reuse, from otel-reused.yaml. */
export interface ReusedAttribute {
  file: string;
  id: string;
  type: string | undefined;
  stability: string | undefined;
  brief: string | undefined;
  note: string | undefined;
  requirementLevel: RequirementLevel | undefined;
  placement: string | undefined;
  usedBy: string[];
}

export interface Dependency {
  name: string | undefined;
  schemaUrl: string | undefined;
  registryPath: string | undefined;
}

export interface Manifest {
  file: string;
  name: string | undefined;
  description: string | undefined;
  version: string | undefined;
  schemaUrl: string | undefined;
  dependencies: Dependency[];
}

export interface Model {
  dir: string;
  manifest: Manifest;
  groups: Group[];
  reused: ReusedAttribute[];
  /** Every YAML file read, relative to `dir`, sorted. */
  files: string[];
}

/** A problem found in the registry. `group` is a group id, `reused`, or `manifest`. */
export interface Issue {
  file: string;
  group?: string;
  attribute?: string;
  rule: string;
  message: string;
  hint?: string;
}

/** `file: group / attribute: message. Fix: hint` */
export function formatIssue(i: Issue): string {
  let where = i.file;
  if (i.group !== undefined || i.attribute !== undefined) {
    where += ': ' + [i.group, i.attribute].filter((x) => x !== undefined && x !== '').join(' / ');
  }
  return `${where}: ${i.message}${i.hint !== undefined ? `. Fix: ${i.hint}` : ''}`;
}

export const MANIFEST_FILE = 'manifest.yaml';
export const REUSED_FILE = 'otel-reused.yaml';

const GROUP_KEYS = new Set([
  'id', 'type', 'brief', 'note', 'stability', 'display_name', 'name', 'attributes', 'body', 'extends',
  'deprecated', 'annotations', 'span_kind', 'metric_name', 'instrument', 'unit', 'entity_associations',
]);
const DEF_KEYS = new Set([
  'id', 'type', 'stability', 'brief', 'note', 'examples', 'requirement_level', 'deprecated',
  'sampling_relevant', 'annotations', 'role',
]);
const REF_KEYS = new Set(['ref', 'brief', 'note', 'examples', 'requirement_level', 'sampling_relevant', 'annotations', 'role']);
const MEMBER_KEYS = new Set(['id', 'value', 'brief', 'note', 'stability', 'deprecated', 'annotations']);
const REUSED_KEYS = new Set(['id', 'type', 'stability', 'brief', 'note', 'requirement_level', 'placement', 'used_by']);
const MANIFEST_KEYS = new Set(['name', 'description', 'version', 'schema_url', 'dependencies']);
const DEPENDENCY_KEYS = new Set(['name', 'schema_url', 'registry_path']);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects issues while reading one file. */
class Reader {
  constructor(readonly file: string, readonly issues: Issue[]) {}

  issue(group: string | undefined, attribute: string | undefined, rule: string, message: string, hint?: string): void {
    const i: Issue = { file: this.file, rule, message };
    if (group !== undefined) i.group = group;
    if (attribute !== undefined) i.attribute = attribute;
    if (hint !== undefined) i.hint = hint;
    this.issues.push(i);
  }

  unknownKeys(o: Obj, allowed: Set<string>, group: string | undefined, attribute: string | undefined): void {
    for (const k of Object.keys(o)) {
      if (!allowed.has(k)) {
        this.issue(group, attribute, 'unknown-key', `unknown key "${k}"`,
          `remove it or correct its spelling (allowed: ${[...allowed].join(', ')})`);
      }
    }
  }

  /** A text field: strings are trimmed; numbers and booleans (YAML scalars) become text. */
  text(o: Obj, key: string, group: string | undefined, attribute: string | undefined): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.issue(group, attribute, 'schema', `"${key}" must be a string`, `write ${key} as plain text`);
    return undefined;
  }

  requirementLevel(o: Obj, group: string | undefined, attribute: string | undefined): RequirementLevel | undefined {
    const v = o['requirement_level'];
    if (v === undefined || v === null) return undefined;
    const bad = (): undefined => {
      this.issue(group, attribute, 'requirement-level', 'invalid requirement_level',
        'use required, recommended, opt_in, or {conditionally_required: <when>}');
      return undefined;
    };
    if (v === 'required' || v === 'recommended' || v === 'opt_in') return { level: v };
    if (isObj(v)) {
      const keys = Object.keys(v);
      const k = keys[0];
      if (keys.length !== 1 || k === undefined) return bad();
      const t = v[k];
      if (typeof t !== 'string' || t.trim() === '') return bad();
      if (k === 'conditionally_required') return { level: k, text: t.trim() };
      if (k === 'recommended' || k === 'opt_in' || k === 'required') return { level: k, text: t.trim() };
      return bad();
    }
    return bad();
  }

  examples(o: Obj): unknown[] | undefined {
    const v = o['examples'];
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v : [v];
  }

  member(m: unknown, group: string, attribute: string): EnumMember | undefined {
    if (!isObj(m)) {
      this.issue(group, attribute, 'schema', 'an enum member is not a mapping', 'write each member as {id, value, brief, stability}');
      return undefined;
    }
    const id = this.text(m, 'id', group, attribute);
    if (id === undefined) {
      this.issue(group, attribute, 'schema', 'an enum member has no id', 'add id: <snake_case name>');
      return undefined;
    }
    this.unknownKeys(m, MEMBER_KEYS, group, `${attribute} (member ${id})`);
    const raw = m['value'];
    let value: string | number | undefined;
    if (typeof raw === 'string' || typeof raw === 'number') value = raw;
    else {
      this.issue(group, `${attribute} (member ${id})`, 'schema', 'enum member value must be a string or a number',
        'add value: <the value written on the wire>');
    }
    return {
      id,
      value,
      brief: this.text(m, 'brief', group, `${attribute} (member ${id})`),
      note: this.text(m, 'note', group, `${attribute} (member ${id})`),
      stability: this.text(m, 'stability', group, `${attribute} (member ${id})`),
      deprecated: m['deprecated'],
    };
  }

  attributeType(o: Obj, group: string, attribute: string): AttributeType | undefined {
    const t = o['type'];
    if (t === undefined || t === null) return undefined;
    if (typeof t === 'string') return t.trim();
    if (isObj(t) && Array.isArray(t['members'])) {
      const members: EnumMember[] = [];
      for (const m of t['members']) {
        const mm = this.member(m, group, attribute);
        if (mm !== undefined) members.push(mm);
      }
      return { members };
    }
    this.issue(group, attribute, 'type', 'type must be a type name or {members: [...]}',
      `use one of ${ATTRIBUTE_TYPES.join(', ')}, or an enum`);
    return undefined;
  }

  groupAttribute(a: unknown, group: string): GroupAttribute | undefined {
    if (!isObj(a)) {
      this.issue(group, undefined, 'schema', 'an attribute entry is not a mapping', 'write {id: ...} or {ref: ...}');
      return undefined;
    }
    if (a['ref'] !== undefined) {
      const ref = this.text(a, 'ref', group, undefined);
      if (ref === undefined) return undefined;
      if (a['id'] !== undefined) {
        this.issue(group, ref, 'schema', 'an attribute entry has both id and ref', 'keep id to define it, or ref to use it');
      }
      this.unknownKeys(a, REF_KEYS, group, ref);
      return {
        kind: 'ref',
        ref,
        brief: this.text(a, 'brief', group, ref),
        note: this.text(a, 'note', group, ref),
        examples: this.examples(a),
        requirementLevel: this.requirementLevel(a, group, ref),
      };
    }
    const id = this.text(a, 'id', group, undefined);
    if (id === undefined) {
      this.issue(group, undefined, 'schema', 'an attribute entry has neither id nor ref', 'add id: to define it or ref: to use it');
      return undefined;
    }
    this.unknownKeys(a, DEF_KEYS, group, id);
    return {
      kind: 'def',
      id,
      type: this.attributeType(a, group, id),
      stability: this.text(a, 'stability', group, id),
      brief: this.text(a, 'brief', group, id),
      note: this.text(a, 'note', group, id),
      examples: this.examples(a),
      requirementLevel: this.requirementLevel(a, group, id),
      deprecated: a['deprecated'],
    };
  }

  group(g: unknown, index: number): Group | undefined {
    if (!isObj(g)) {
      this.issue(`groups[${index}]`, undefined, 'schema', 'a group is not a mapping', 'write each group as {id, type, brief, attributes}');
      return undefined;
    }
    const id = this.text(g, 'id', undefined, undefined);
    if (id === undefined || id === '') {
      this.issue(`groups[${index}]`, undefined, 'schema', 'group has no id', 'add id: registry.kata.<area> (or event.kata.<name>)');
      return undefined;
    }
    this.unknownKeys(g, GROUP_KEYS, id, undefined);
    const attributes: GroupAttribute[] = [];
    const raw = g['attributes'];
    if (raw !== undefined && raw !== null) {
      if (!Array.isArray(raw)) {
        this.issue(id, undefined, 'schema', '"attributes" must be a list', 'write attributes as a YAML list');
      } else {
        for (const a of raw) {
          const ga = this.groupAttribute(a, id);
          if (ga !== undefined) attributes.push(ga);
        }
      }
    }
    return {
      file: this.file,
      id,
      type: this.text(g, 'type', id, undefined),
      brief: this.text(g, 'brief', id, undefined),
      note: this.text(g, 'note', id, undefined),
      stability: this.text(g, 'stability', id, undefined),
      displayName: this.text(g, 'display_name', id, undefined),
      name: this.text(g, 'name', id, undefined),
      attributes,
    };
  }

  reused(r: unknown, index: number): ReusedAttribute | undefined {
    if (!isObj(r) || typeof r['id'] !== 'string') {
      this.issue('reused', `[${index}]`, 'schema', 'a reused entry has no id', 'write each entry as {id, type, stability, brief, ...}');
      return undefined;
    }
    const id = r['id'].trim();
    this.unknownKeys(r, REUSED_KEYS, 'reused', id);
    const usedByRaw = r['used_by'];
    let usedBy: string[] = [];
    if (Array.isArray(usedByRaw) && usedByRaw.every((u) => typeof u === 'string')) usedBy = usedByRaw as string[];
    else if (usedByRaw !== undefined) {
      this.issue('reused', id, 'schema', '"used_by" must be a list of strings', 'write used_by: [parser], [receivers] or [detection]');
    }
    const t = r['type'];
    if (t !== undefined && typeof t !== 'string') {
      this.issue('reused', id, 'type', 'type must be a type name', `use one of ${ATTRIBUTE_TYPES.join(', ')}`);
    }
    return {
      file: this.file,
      id,
      type: typeof t === 'string' ? t.trim() : undefined,
      stability: this.text(r, 'stability', 'reused', id),
      brief: this.text(r, 'brief', 'reused', id),
      note: this.text(r, 'note', 'reused', id),
      requirementLevel: this.requirementLevel(r, 'reused', id),
      placement: this.text(r, 'placement', 'reused', id),
      usedBy,
    };
  }
}

function parseYaml(dir: string, file: string, issues: Issue[]): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, file), 'utf8');
  } catch (e) {
    issues.push({ file, rule: 'yaml', message: `cannot read the file (${(e as Error).message})`, hint: 'create it or fix its permissions' });
    return undefined;
  }
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      issues.push({ file, rule: 'yaml', message: `YAML syntax error: ${(e.message.split('\n')[0] ?? '').replace(/:\s*$/, '')}`, hint: 'correct the YAML' });
    }
    return undefined;
  }
  return doc.toJS();
}

/** Lists *.yaml / *.yml files under `dir`, relative and sorted, with `/` separators. */
function listYaml(dir: string, rel = ''): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...listYaml(dir, r));
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(r);
  }
  return out.sort();
}

function loadManifest(dir: string, issues: Issue[]): Manifest {
  const m: Manifest = { file: MANIFEST_FILE, name: undefined, description: undefined, version: undefined, schemaUrl: undefined, dependencies: [] };
  const raw = parseYaml(dir, MANIFEST_FILE, issues);
  if (raw === undefined) return m;
  const r = new Reader(MANIFEST_FILE, issues);
  if (!isObj(raw)) {
    r.issue('manifest', undefined, 'schema', 'the manifest is not a mapping', 'write name, description, version, schema_url, dependencies');
    return m;
  }
  r.unknownKeys(raw, MANIFEST_KEYS, 'manifest', undefined);
  m.name = r.text(raw, 'name', 'manifest', undefined);
  m.description = r.text(raw, 'description', 'manifest', undefined);
  m.version = r.text(raw, 'version', 'manifest', undefined);
  m.schemaUrl = r.text(raw, 'schema_url', 'manifest', undefined);
  const deps = raw['dependencies'];
  if (Array.isArray(deps)) {
    for (const d of deps) {
      if (!isObj(d)) {
        r.issue('manifest', 'dependencies', 'schema', 'a dependency is not a mapping', 'write {name, schema_url, registry_path}');
        continue;
      }
      r.unknownKeys(d, DEPENDENCY_KEYS, 'manifest', 'dependencies');
      m.dependencies.push({
        name: r.text(d, 'name', 'manifest', 'dependencies'),
        schemaUrl: r.text(d, 'schema_url', 'manifest', 'dependencies'),
        registryPath: r.text(d, 'registry_path', 'manifest', 'dependencies'),
      });
    }
  } else if (deps !== undefined) {
    r.issue('manifest', 'dependencies', 'schema', '"dependencies" must be a list', 'write dependencies as a YAML list');
  }
  return m;
}

/**
 * Reads the registry in `dir`. Problems with the files themselves (unreadable, YAML syntax,
 * wrong shapes, unknown keys) come back as issues; the semantic rules live in check.ts.
 */
export function loadModel(dir: string): { model: Model; issues: Issue[] } {
  const issues: Issue[] = [];
  const files = listYaml(dir);
  const manifest = loadManifest(dir, issues);
  const groups: Group[] = [];
  const reused: ReusedAttribute[] = [];

  for (const file of files) {
    if (file === MANIFEST_FILE) continue;
    const raw = parseYaml(dir, file, issues);
    if (raw === undefined) continue;
    const r = new Reader(file, issues);
    if (!isObj(raw)) {
      r.issue(undefined, undefined, 'schema', 'the file is not a mapping', 'start it with groups: (or reused: in otel-reused.yaml)');
      continue;
    }
    if (file === REUSED_FILE) {
      r.unknownKeys(raw, new Set(['reused']), undefined, undefined);
      const list = raw['reused'];
      if (!Array.isArray(list)) {
        r.issue(undefined, undefined, 'schema', '"reused" must be a list', 'write reused: followed by a list of attributes');
        continue;
      }
      list.forEach((e, i) => {
        const ra = r.reused(e, i);
        if (ra !== undefined) reused.push(ra);
      });
      continue;
    }
    r.unknownKeys(raw, new Set(['groups', 'imports']), undefined, undefined);
    const list = raw['groups'];
    if (!Array.isArray(list)) {
      r.issue(undefined, undefined, 'schema', '"groups" must be a list', 'write groups: followed by a list of groups');
      continue;
    }
    list.forEach((g, i) => {
      const gg = r.group(g, i);
      if (gg !== undefined) groups.push(gg);
    });
  }
  return { model: { dir, manifest, groups, reused, files }, issues };
}

/** Finds the repository root (the directory holding semconv/model/manifest.yaml) above `from`. */
export function findRepoRoot(from: string): string {
  let d = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(d, 'semconv', 'model', MANIFEST_FILE))) return d;
    const up = path.dirname(d);
    if (up === d) throw new Error(`no semconv/model/${MANIFEST_FILE} above ${from}`);
    d = up;
  }
}

// ---- Helpers shared by the checker and the generator ----

export function isEnum(t: AttributeType | undefined): t is EnumType {
  return typeof t === 'object' && t !== null;
}

export function isTemplate(t: AttributeType | undefined): boolean {
  return typeof t === 'string' && t.startsWith('template[');
}

/** `kata.sandbox.id` → `KATA_SANDBOX_ID` (the weaver constant-name rule: `.` and `_` both become `_`). */
export function constantName(id: string): string {
  return id.replace(/[._]/g, '_').toUpperCase();
}

export function attributeConstant(id: string): string {
  return `ATTR_${constantName(id)}`;
}

export function enumValueConstant(attributeId: string, memberId: string): string {
  return `${constantName(attributeId)}_VALUE_${constantName(memberId)}`;
}

export function eventConstant(name: string): string {
  return `EVENT_${constantName(name)}`;
}

/** Every attribute definition in the model with its group, in file order. */
export function attributeDefs(model: Model): { group: Group; def: AttributeDef }[] {
  const out: { group: Group; def: AttributeDef }[] = [];
  for (const group of model.groups) {
    for (const a of group.attributes) if (a.kind === 'def') out.push({ group, def: a });
  }
  return out;
}

/** The wire type of an attribute: enums are `string` (or `int` when every value is a number). */
export function valueType(t: AttributeType | undefined): string {
  if (t === undefined) return 'string';
  if (isEnum(t)) return t.members.length > 0 && t.members.every((m) => typeof m.value === 'number') ? 'int' : 'string';
  return t;
}

export function requirementText(r: RequirementLevel | undefined): string {
  if (r === undefined) return '';
  if (r.level === 'conditionally_required') return `conditionally_required: ${r.text}`;
  return r.text !== undefined ? `${r.level}: ${r.text}` : r.level;
}

/** `kata.component` → `KataComponent`. */
export function pascalName(id: string): string {
  return id.split(/[._]/).filter((p) => p !== '').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

export function enumValuesConstant(attributeId: string): string {
  return `${constantName(attributeId)}_VALUES`;
}

export function enumTypeName(attributeId: string): string {
  return `${pascalName(attributeId)}Value`;
}

/** Names the generated module always exports, whatever the registry holds. */
export const FIXED_EXPORTS: readonly string[] = [
  'KATA_SEMCONV_VERSION', 'KATA_SEMCONV_SCHEMA_URL', 'KATA_ATTRIBUTE_KEYS', 'OTEL_REUSED_ATTRIBUTE_KEYS',
  'TEMPLATE_PREFIXES', 'KATA_EVENT_NAMES', 'ATTRIBUTE_VALUE_TYPES', 'AttributeValueType',
];

export interface PlannedExport {
  /** The exported identifier. */
  name: string;
  kind: 'attribute' | 'enum-value' | 'enum-values' | 'enum-type' | 'event' | 'reused' | 'fixed';
  /** Attribute id, event name, or the fixed name. */
  id: string;
  /** Enum member id, for enum-value. */
  member?: string;
  file: string;
  group: string;
}

/**
 * Every identifier the generator exports, with what it comes from. The checker uses it to
 * find constant collisions before they become duplicate exports.
 */
export function plannedExports(model: Model): PlannedExport[] {
  const out: PlannedExport[] = FIXED_EXPORTS.map((name) => ({ name, kind: 'fixed', id: name, file: 'semconv/tools/generate.ts', group: 'generator' }));
  for (const { group, def } of attributeDefs(model)) {
    const at = { file: group.file, group: group.id };
    out.push({ name: attributeConstant(def.id), kind: 'attribute', id: def.id, ...at });
    if (isEnum(def.type)) {
      out.push({ name: enumValuesConstant(def.id), kind: 'enum-values', id: def.id, ...at });
      out.push({ name: enumTypeName(def.id), kind: 'enum-type', id: def.id, ...at });
      for (const m of def.type.members) {
        out.push({ name: enumValueConstant(def.id, m.id), kind: 'enum-value', id: def.id, member: m.id, ...at });
      }
    }
  }
  for (const g of model.groups) {
    if (g.type === 'event' && g.name !== undefined && g.name !== '') {
      out.push({ name: eventConstant(g.name), kind: 'event', id: g.name, file: g.file, group: g.id });
    }
  }
  for (const r of model.reused) out.push({ name: attributeConstant(r.id), kind: 'reused', id: r.id, file: r.file, group: 'reused' });
  return out;
}
