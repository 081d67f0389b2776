/**
 * Checks the Kata semantic-conventions registry against the rules OpenTelemetry's weaver
 * enforces (naming, namespaces, constant collisions, briefs, stability, registry groups,
 * enums, `any`, events) plus our own (everything is under `kata.`, refs resolve to our
 * registry or to otel-reused.yaml).
 *
 *   node dist/semconv/tools/check.js [model-dir]     (npm run semconv:check)
 *
 * Prints every issue as `file: group / attribute: message. Fix: hint` and exits 1 when there
 * is any; otherwise prints one OK line with the counts.
 */
import * as path from 'node:path';
import type { AttributeDef, AttributeType, Group, Issue, Model, PlannedExport, ReusedAttribute } from './model';
import {
  ATTRIBUTE_TYPES, GROUP_TYPES, STABILITY_LEVELS, attributeDefs, findRepoRoot, formatIssue, isEnum, loadModel, plannedExports,
} from './model';

/** weaver naming_conventions: lowercase, starts with a letter, single `.`/`_` separators. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*([._][a-z0-9]+)*$/;
/** weaver naming_conventions: every attribute needs a namespace. */
export const NAMESPACED_PATTERN = /^[a-z0-9_]+\.([a-z0-9._]+)+$/;
/** Our namespace: every attribute and event we define lives under it. */
export const KATA_NAMESPACE = 'kata';
/** Reserved for the OpenTelemetry specification (docs/general/naming.md). */
export const RESERVED_NAMESPACE = 'otel';
/** OpenTelemetry namespaces we reuse attributes from; we must not add our own names to them. */
export const OTEL_REUSED_NAMESPACES: readonly string[] = [
  'container', 'k8s', 'process', 'host', 'service', 'log', 'exception', 'code', 'error', 'security_rule',
];
export const REUSED_PLACEMENTS: readonly string[] = ['resource', 'attribute'];
export const REUSED_USERS: readonly string[] = ['parser', 'receivers', 'detection'];

const NAME_HINT = 'use lowercase letters and digits, single dots between namespaces and single underscores between words, e.g. kata.sandbox.id';
const STABILITY_HINT = `add stability: development (one of ${STABILITY_LEVELS.join(', ')})`;

function rank(s: string | undefined): number {
  return STABILITY_LEVELS.indexOf(s as (typeof STABILITY_LEVELS)[number]);
}

function root(id: string): string {
  const dot = id.indexOf('.');
  return dot < 0 ? id : id.slice(0, dot);
}

function isDeprecated(d: AttributeDef): boolean {
  return d.deprecated !== undefined && d.deprecated !== null && d.deprecated !== false;
}

function matchesType(t: string, v: unknown): boolean {
  switch (t) {
    case 'string': return typeof v === 'string';
    case 'int': return typeof v === 'number' && Number.isInteger(v);
    case 'double': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    default: return true;
  }
}

class Checker {
  readonly issues: Issue[] = [];
  private readonly defs = new Map<string, { group: Group; def: AttributeDef }[]>();
  private readonly reused = new Map<string, ReusedAttribute[]>();
  private readonly namespaces: Set<string>;

  constructor(private readonly model: Model) {
    for (const e of attributeDefs(model)) {
      const list = this.defs.get(e.def.id);
      if (list === undefined) this.defs.set(e.def.id, [e]);
      else list.push(e);
    }
    for (const r of model.reused) {
      const list = this.reused.get(r.id);
      if (list === undefined) this.reused.set(r.id, [r]);
      else list.push(r);
    }
    this.namespaces = new Set([...OTEL_REUSED_NAMESPACES, ...model.reused.map((r) => root(r.id))]);
    this.namespaces.delete(KATA_NAMESPACE);
  }

  add(file: string, group: string | undefined, attribute: string | undefined, rule: string, message: string, hint: string): void {
    const i: Issue = { file, rule, message, hint };
    if (group !== undefined) i.group = group;
    if (attribute !== undefined) i.attribute = attribute;
    this.issues.push(i);
  }

  run(): Issue[] {
    this.manifest();
    const seenGroups = new Map<string, Group>();
    const seenEvents = new Map<string, Group>();
    for (const g of this.model.groups) {
      const first = seenGroups.get(g.id);
      if (first !== undefined) {
        this.add(g.file, g.id, undefined, 'duplicate-id', `group id "${g.id}" is already used in ${first.file}`,
          'give each group a unique id');
      } else seenGroups.set(g.id, g);
      if (g.type === 'event' && g.name !== undefined) {
        const ev = seenEvents.get(g.name);
        if (ev !== undefined) {
          this.add(g.file, g.id, undefined, 'duplicate-id', `event name "${g.name}" is already used by ${ev.id} in ${ev.file}`,
            'give each event a unique name');
        } else seenEvents.set(g.name, g);
      }
      this.group(g);
    }
    this.duplicates();
    this.namespaceCollisions();
    this.constantCollisions();
    for (const r of this.model.reused) this.reusedEntry(r);
    return this.issues;
  }

  private manifest(): void {
    const m = this.model.manifest;
    const f = m.file;
    if (m.name === undefined || !NAME_PATTERN.test(m.name)) {
      this.add(f, 'manifest', 'name', 'manifest', 'the registry needs a lowercase name', 'add name: kata');
    }
    if (m.description === undefined || m.description === '') {
      this.add(f, 'manifest', 'description', 'manifest', 'the registry needs a description', 'add description: <one sentence>');
    }
    const semver = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
    if (m.version === undefined || !semver.test(m.version)) {
      this.add(f, 'manifest', 'version', 'manifest', 'version must be a semantic version', 'write version: 0.1.0');
    }
    if (m.schemaUrl === undefined || !/^https?:\/\/[^\s]+\/[^/\s]+$/.test(m.schemaUrl)) {
      this.add(f, 'manifest', 'schema_url', 'manifest', 'schema_url must be an http(s) URL ending in the version',
        'write schema_url: https://kata-otel.dev/schemas/kata/<version>');
    } else if (m.version !== undefined && !m.schemaUrl.endsWith('/' + m.version)) {
      this.add(f, 'manifest', 'schema_url', 'manifest', `schema_url does not end with the version ${m.version}`,
        `end it with /${m.version}, or change version to match`);
    }
    const otel = m.dependencies.find((d) => d.schemaUrl !== undefined && /^https:\/\/opentelemetry\.io\/schemas\/\d+\.\d+\.\d+$/.test(d.schemaUrl));
    if (otel === undefined) {
      this.add(f, 'manifest', 'dependencies', 'manifest', 'no dependency on the OpenTelemetry semantic conventions',
        'add {name: otel, schema_url: https://opentelemetry.io/schemas/<v>, registry_path: https://github.com/open-telemetry/semantic-conventions@v<v>[model]}');
    } else if (otel.registryPath === undefined || otel.registryPath === '') {
      this.add(f, 'manifest', 'dependencies', 'manifest', 'the OpenTelemetry dependency has no registry_path',
        'add registry_path: https://github.com/open-telemetry/semantic-conventions@v<v>[model]');
    }
  }

  private group(g: Group): void {
    const f = g.file;
    if (!NAME_PATTERN.test(g.id)) {
      this.add(f, g.id, undefined, 'name-format', `group id "${g.id}" does not match ${NAME_PATTERN.source}`, NAME_HINT);
    }
    if (g.brief === undefined || g.brief === '') {
      this.add(f, g.id, undefined, 'brief-required', 'the group has an empty brief', 'add brief: <what the group describes>');
    }
    if (g.type === undefined || !(GROUP_TYPES as readonly string[]).includes(g.type)) {
      this.add(f, g.id, undefined, 'group-type', g.type === undefined ? 'the group has no type' : `unknown group type "${g.type}"`,
        `set type: to one of ${GROUP_TYPES.join(', ')}`);
    }
    if (g.stability === undefined) {
      if (g.type !== 'attribute_group') {
        this.add(f, g.id, undefined, 'stability-required', `the ${g.type ?? 'group'} group needs a stability`, STABILITY_HINT);
      }
    } else if (rank(g.stability) < 0) {
      this.add(f, g.id, undefined, 'stability-invalid', `unknown stability "${g.stability}"`, STABILITY_HINT);
    }

    const defines = g.attributes.some((a) => a.kind === 'def');
    if (defines && (g.type !== 'attribute_group' || !g.id.startsWith('registry.'))) {
      this.add(f, g.id, undefined, 'registry-group', 'attributes may only be defined in a group with type attribute_group and an id starting with "registry."',
        'move the definitions to a registry.kata.* attribute_group and ref them here');
    } else if (g.id.startsWith('registry.') && g.type !== 'attribute_group') {
      this.add(f, g.id, undefined, 'registry-group', 'a registry.* group must have type attribute_group',
        'set type: attribute_group, or rename the group');
    }

    if (g.type === 'event') this.event(g);

    const seenRefs = new Set<string>();
    for (const a of g.attributes) {
      if (a.kind === 'def') {
        this.def(g, a);
        continue;
      }
      if (seenRefs.has(a.ref)) {
        this.add(f, g.id, a.ref, 'duplicate-id', `"${a.ref}" is referenced twice in this group`, 'remove one of the refs');
      }
      seenRefs.add(a.ref);
      if (a.brief !== undefined && a.brief === '') {
        this.add(f, g.id, a.ref, 'brief-required', 'the ref overrides the brief with an empty one', 'remove brief: or write one');
      }
      const target = this.defs.get(a.ref)?.[0];
      const reused = this.reused.get(a.ref)?.[0];
      if (g.type === 'event' && a.ref === 'event.name') continue; // reported by the event rule
      if (target === undefined && reused === undefined) {
        this.add(f, g.id, a.ref, 'unresolved-ref', `ref "${a.ref}" is neither defined in the registry nor listed in otel-reused.yaml`,
          'define it in a registry.kata.* group, or add the OpenTelemetry attribute to otel-reused.yaml');
        continue;
      }
      const attrStability = target !== undefined ? target.def.stability : reused?.stability;
      if (g.stability !== undefined && rank(g.stability) >= 0 && rank(attrStability) >= 0
        && rank(g.stability) > rank(attrStability) && a.requirementLevel?.level !== 'opt_in') {
        this.add(f, g.id, a.ref, 'stability-order',
          `the ${g.stability} group references ${attrStability} attribute "${a.ref}"`,
          `lower the group's stability, raise the attribute's, or make the ref opt_in`);
      }
    }
  }

  private event(g: Group): void {
    const f = g.file;
    if (g.name === undefined || g.name === '') {
      this.add(f, g.id, undefined, 'event-name', 'an event group needs a name (the LogRecord EventName)', 'add name: kata.<area>.<event>');
    } else if (!NAME_PATTERN.test(g.name)) {
      this.add(f, g.id, undefined, 'name-format', `event name "${g.name}" does not match ${NAME_PATTERN.source}`, NAME_HINT);
    } else if (root(g.name) === RESERVED_NAMESPACE) {
      this.add(f, g.id, undefined, 'reserved-namespace', `event name "${g.name}" uses the reserved otel. namespace`,
        `rename it to kata.${g.name.slice(RESERVED_NAMESPACE.length + 1)}`);
    } else if (root(g.name) !== KATA_NAMESPACE || !g.name.includes('.')) {
      this.add(f, g.id, undefined, 'kata-namespace', `event name "${g.name}" is not under kata.`, `rename it to kata.${g.name}`);
    }
    for (const a of g.attributes) {
      const id = a.kind === 'ref' ? a.ref : a.id;
      if (id === 'event.name') {
        this.add(f, g.id, id, 'event-name-attribute', 'events may not add event.name; the event name goes in the LogRecord EventName field',
          'remove the event.name entry: the group name: is the event name');
      }
    }
  }

  private def(g: Group, d: AttributeDef): void {
    const f = g.file;
    const id = d.id;
    if (!NAME_PATTERN.test(id)) {
      this.add(f, g.id, id, 'name-format', `attribute id "${id}" does not match ${NAME_PATTERN.source}`, NAME_HINT);
    } else if (!NAMESPACED_PATTERN.test(id) && !isDeprecated(d)) {
      this.add(f, g.id, id, 'namespace-required', `attribute "${id}" has no namespace`, `put it in our namespace: kata.${id}`);
    } else if (root(id) === RESERVED_NAMESPACE) {
      this.add(f, g.id, id, 'reserved-namespace', `attribute "${id}" uses the reserved otel. namespace`,
        `rename it to kata.${id.slice(RESERVED_NAMESPACE.length + 1)}`);
    } else if (this.namespaces.has(root(id))) {
      this.add(f, g.id, id, 'otel-namespace', `attribute "${id}" is defined in OpenTelemetry's ${root(id)}. namespace`,
        `reuse the OpenTelemetry attribute (list it in otel-reused.yaml and ref it), or define ours as kata.${id}`);
    } else if (root(id) !== KATA_NAMESPACE) {
      this.add(f, g.id, id, 'kata-namespace', `attribute "${id}" is not under kata.`, `rename it to kata.${id}`);
    }

    if (d.brief === undefined || d.brief === '') {
      this.add(f, g.id, id, 'brief-required', 'the attribute has an empty brief', 'add brief: <what the value means>');
    }
    if (d.stability === undefined) {
      this.add(f, g.id, id, 'stability-required', 'the attribute has no stability', STABILITY_HINT);
    } else if (rank(d.stability) < 0) {
      this.add(f, g.id, id, 'stability-invalid', `unknown stability "${d.stability}"`, STABILITY_HINT);
    }
    this.type(g, d);
    this.examples(g, d);
  }

  private type(g: Group, d: AttributeDef): void {
    const f = g.file;
    const t = d.type;
    if (t === undefined) {
      this.add(f, g.id, d.id, 'type', 'the attribute has no type', `add type: (one of ${ATTRIBUTE_TYPES.join(', ')}, or an enum)`);
      return;
    }
    if (typeof t === 'string') {
      if (!ATTRIBUTE_TYPES.includes(t)) {
        this.add(f, g.id, d.id, 'type', `unknown type "${t}"`, `use one of ${ATTRIBUTE_TYPES.join(', ')}, or an enum`);
      } else if ((t === 'any' || t === 'template[any]') && g.type !== 'event' && g.type !== 'span') {
        this.add(f, g.id, d.id, 'any-type', `type ${t} is only allowed on events and spans`, 'give the attribute a concrete type');
      }
      return;
    }
    if (t.members.length === 0) {
      this.add(f, g.id, d.id, 'enum', 'the enum has no members', 'list the allowed values under type: members:');
    }
    const ids = new Set<string>();
    const values = new Set<string | number>();
    for (const m of t.members) {
      const where = `${d.id} (member ${m.id})`;
      if (!NAME_PATTERN.test(m.id)) {
        this.add(f, g.id, where, 'name-format', `enum member id "${m.id}" does not match ${NAME_PATTERN.source}`,
          'use snake_case, e.g. runtime_rs for the value runtime-rs');
      }
      if (ids.has(m.id)) {
        this.add(f, g.id, where, 'enum-duplicate', `enum member id "${m.id}" is used twice`, 'give each member a unique id');
      }
      ids.add(m.id);
      if (m.value !== undefined) {
        if (values.has(m.value)) {
          this.add(f, g.id, where, 'enum-duplicate', `enum value "${m.value}" is used twice`, 'give each member a unique value');
        }
        values.add(m.value);
      }
      if (m.brief === undefined || m.brief === '') {
        this.add(f, g.id, where, 'brief-required', 'the enum member has an empty brief', 'add brief: <what the value means>');
      }
      if (m.stability === undefined) {
        this.add(f, g.id, where, 'stability-required', 'the enum member has no stability', STABILITY_HINT);
      } else if (rank(m.stability) < 0) {
        this.add(f, g.id, where, 'stability-invalid', `unknown stability "${m.stability}"`, STABILITY_HINT);
      }
    }
    const kinds = new Set(t.members.filter((m) => m.value !== undefined).map((m) => typeof m.value));
    if (kinds.size > 1) {
      this.add(f, g.id, d.id, 'enum', 'the enum mixes string and number values', 'make every value a string, or every value a number');
    }
  }

  private examples(g: Group, d: AttributeDef): void {
    if (d.examples === undefined || d.type === undefined) return;
    const t: AttributeType = d.type;
    let ok: (v: unknown) => boolean;
    let want: string;
    if (isEnum(t)) {
      const values = t.members.map((m) => m.value);
      ok = (v) => values.includes(v as string | number);
      want = 'one of the enum values';
    } else {
      const base = t.replace(/^template\[(.*)\]$/, '$1');
      if (base === 'any') return;
      if (base.endsWith('[]')) {
        const el = base.slice(0, -2);
        ok = (v) => (Array.isArray(v) ? v.every((x) => matchesType(el, x)) : matchesType(el, v));
        want = `${el} values (or lists of them)`;
      } else {
        ok = (v) => matchesType(base, v);
        want = `${base} values`;
      }
    }
    if (!d.examples.every(ok)) {
      this.add(g.file, g.id, d.id, 'examples-type', `the examples are not all ${want}`, 'fix the examples to match the type');
    }
  }

  private duplicates(): void {
    for (const [id, list] of this.defs) {
      const first = list[0]!;
      for (const e of list.slice(1)) {
        this.add(e.group.file, e.group.id, id, 'duplicate-id', `attribute "${id}" is already defined in ${first.group.file} (${first.group.id})`,
          'keep one definition and ref it elsewhere');
      }
      const r = this.reused.get(id);
      if (r !== undefined) {
        this.add(first.group.file, first.group.id, id, 'duplicate-id', `attribute "${id}" is also listed in ${r[0]!.file} as a reused OpenTelemetry attribute`,
          'remove our definition and ref the OpenTelemetry one');
      }
    }
    for (const [id, list] of this.reused) {
      for (const r of list.slice(1)) {
        this.add(r.file, 'reused', id, 'duplicate-id', `"${id}" is listed twice`, 'remove the second entry');
      }
    }
  }

  private namespaceCollisions(): void {
    type Entry = { id: string; file: string; group: string; template: boolean; ours: boolean };
    const entries: Entry[] = [];
    for (const [id, list] of this.defs) {
      const e = list[0]!;
      entries.push({ id, file: e.group.file, group: e.group.id, template: typeof e.def.type === 'string' && e.def.type.startsWith('template['), ours: true });
    }
    for (const [id, list] of this.reused) {
      if (!this.defs.has(id)) entries.push({ id, file: list[0]!.file, group: 'reused', template: false, ours: false });
    }
    entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const outer of entries) {
      const prefix = outer.id + '.';
      for (const inner of entries) {
        if (!inner.id.startsWith(prefix) || (!outer.ours && !inner.ours)) continue;
        const at = inner.ours ? inner : outer;
        if (outer.template) {
          this.add(at.file, at.group, inner.id, 'namespace-collision',
            `attribute "${inner.id}" falls inside the template "${outer.id}.<key>"`,
            `rename "${inner.id}" out of ${outer.id}.*, or drop it and let the template carry the field`);
        } else {
          this.add(outer.ours ? outer.file : at.file, outer.ours ? outer.group : at.group, outer.id, 'namespace-collision',
            `attribute "${outer.id}" is also the namespace of "${inner.id}"`,
            `rename one of them, e.g. "${outer.id}" to "${outer.id}.name" or "${outer.id}.value"`);
        }
      }
    }
  }

  private constantCollisions(): void {
    const byName = new Map<string, PlannedExport[]>();
    for (const e of plannedExports(this.model)) {
      // An id that breaks the name pattern is already reported; its constant would only add noise.
      if (e.kind !== 'fixed' && (!NAME_PATTERN.test(e.id) || (e.member !== undefined && !NAME_PATTERN.test(e.member)))) continue;
      const list = byName.get(e.name);
      if (list === undefined) byName.set(e.name, [e]);
      else list.push(e);
    }
    const describe = (e: PlannedExport): string => {
      switch (e.kind) {
        case 'enum-value': return `enum member "${e.member ?? ''}" of "${e.id}"`;
        case 'event': return `event "${e.id}"`;
        case 'fixed': return `the generator's own export`;
        case 'reused': return `reused "${e.id}"`;
        default: return `"${e.id}"`;
      }
    };
    for (const [name, list] of byName) {
      if (list.length < 2) continue;
      const first = list[0]!;
      for (const other of list.slice(1)) {
        // The same attribute id defined twice is reported as a duplicate, not again here.
        // (also an id both defined by us and listed as reused, which `duplicates` reports).
        const sameAttribute = (k: PlannedExport['kind']): boolean => k === 'attribute' || k === 'reused';
        if (other.id === first.id && other.member === first.member
          && (other.kind === first.kind || (sameAttribute(other.kind) && sameAttribute(first.kind)))) continue;
        const reportAt = other.kind === 'fixed' ? first : other;
        if (first.kind === 'enum-value' && other.kind === 'enum-value' && first.id === other.id) {
          this.add(other.file, other.group, `${other.id} (member ${other.member ?? ''})`, 'enum-collision',
            `enum members "${first.member ?? ''}" and "${other.member ?? ''}" both map to the constant ${name}`,
            'rename one member id so the ids differ in more than "." versus "_"');
        } else {
          this.add(reportAt.file, reportAt.group, reportAt.kind === 'event' ? undefined : reportAt.id, 'constant-collision',
            `${describe(first)} and ${describe(other)} both map to the constant ${name}`,
            'rename one of them so the names differ in more than "." versus "_"');
        }
      }
    }
  }

  private reusedEntry(r: ReusedAttribute): void {
    const f = r.file;
    if (!NAME_PATTERN.test(r.id)) {
      this.add(f, 'reused', r.id, 'name-format', `attribute id "${r.id}" does not match ${NAME_PATTERN.source}`, 'copy the id exactly as OpenTelemetry spells it');
    } else if (root(r.id) === KATA_NAMESPACE || !NAMESPACED_PATTERN.test(r.id)) {
      this.add(f, 'reused', r.id, 'reused-namespace', `"${r.id}" is not an OpenTelemetry attribute`,
        'list only OpenTelemetry attributes here; define ours in kata/');
    }
    if (r.brief === undefined || r.brief === '') {
      this.add(f, 'reused', r.id, 'brief-required', 'the reused attribute has an empty brief', 'add brief: <how Kata records use it>');
    }
    if (r.stability === undefined) {
      this.add(f, 'reused', r.id, 'stability-required', 'the reused attribute has no stability', 'add its OpenTelemetry stability');
    } else if (rank(r.stability) < 0) {
      this.add(f, 'reused', r.id, 'stability-invalid', `unknown stability "${r.stability}"`, STABILITY_HINT);
    }
    if (r.type === undefined || !ATTRIBUTE_TYPES.includes(r.type) || r.type.startsWith('template[') || r.type === 'any') {
      this.add(f, 'reused', r.id, 'type', r.type === undefined ? 'the reused attribute has no type' : `unsupported type "${r.type}"`,
        'add its OpenTelemetry type (string, int, double, boolean or an array of them)');
    }
    if (r.placement === undefined || !REUSED_PLACEMENTS.includes(r.placement)) {
      this.add(f, 'reused', r.id, 'reused-placement', 'placement must be resource or attribute', 'add placement: attribute (or resource)');
    }
    if (r.usedBy.length === 0 || r.usedBy.some((u) => !REUSED_USERS.includes(u))) {
      this.add(f, 'reused', r.id, 'reused-used-by', `used_by must list some of ${REUSED_USERS.join(', ')}`, 'add used_by: [parser], [receivers] or [detection]');
    }
  }
}

/** Runs every rule on an already loaded model. */
export function checkModel(model: Model): Issue[] {
  return new Checker(model).run();
}

/** Loads the registry in `dir` and returns every issue, file-format problems first; [] when it is clean. */
export function checkRegistry(dir: string): Issue[] {
  const { model, issues } = loadModel(dir);
  const all = [...issues, ...checkModel(model)];
  // Stable sort by file keeps each file's issues together in the order they were found.
  return all
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.file < b.issue.file ? -1 : a.issue.file > b.issue.file ? 1 : a.i - b.i))
    .map((x) => x.issue);
}

export function summary(model: Model): string {
  const defs = attributeDefs(model);
  const events = model.groups.filter((g) => g.type === 'event').length;
  const registries = model.groups.filter((g) => g.id.startsWith('registry.')).length;
  return `${defs.length} kata attributes in ${registries} registry groups, ${events} events, `
    + `${model.groups.length} groups in all, ${model.reused.length} reused OpenTelemetry attributes, ${model.files.length} files`;
}

export function main(argv: readonly string[]): number {
  const arg = argv.find((a) => !a.startsWith('-'));
  const dir = arg !== undefined ? path.resolve(arg) : path.join(findRepoRoot(__dirname), 'semconv', 'model');
  const issues = checkRegistry(dir);
  if (issues.length > 0) {
    for (const i of issues) console.error(formatIssue(i));
    console.error(`semconv check: ${issues.length} issue${issues.length === 1 ? '' : 's'} in ${path.relative(process.cwd(), dir) || '.'}`);
    return 1;
  }
  console.log(`semconv check OK: ${summary(loadModel(dir).model)}`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
