import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkModel, checkRegistry, main as checkMain } from '../../semconv/tools/check';
import type { AttributeDef } from '../../semconv/tools/model';
import { findRepoRoot, formatIssue, loadModel } from '../../semconv/tools/model';

const REAL_MODEL = path.join(findRepoRoot(__dirname), 'semconv', 'model');

const MANIFEST = `name: kata
description: Test registry.
version: 0.1.0
schema_url: https://kata-otel.dev/schemas/kata/0.1.0
dependencies:
  - name: otel
    schema_url: https://opentelemetry.io/schemas/1.44.0
    registry_path: https://github.com/open-telemetry/semantic-conventions@v1.44.0[model]
`;

const REUSED = `reused:
  - id: container.id
    type: string
    stability: stable
    brief: The container.
    placement: attribute
    used_by: [parser]
`;

/** One attribute definition, indented for a group's attribute list. */
function attr(id: string, extra = ''): string {
  return `      - id: ${id}
        type: string
        stability: development
        brief: Test attribute ${id}.
${extra}`;
}

function registryGroup(attributes: string, id = 'registry.kata', brief = 'Test group.'): string {
  return `  - id: ${id}
    type: attribute_group
    brief: ${brief === '' ? "''" : brief}
    attributes:
${attributes}`;
}

const tmpDirs: string[] = [];

/** Writes a registry to a temp dir: a valid manifest, otel-reused.yaml and kata/registry.yaml unless overridden. */
function writeRegistry(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-semconv-'));
  tmpDirs.push(dir);
  const all: Record<string, string> = {
    'manifest.yaml': MANIFEST,
    'otel-reused.yaml': REUSED,
    'kata/registry.yaml': `groups:\n${registryGroup(attr('kata.sandbox.id'))}`,
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function issuesOf(files: Record<string, string>): string[] {
  return checkRegistry(writeRegistry(files)).map(formatIssue);
}

function rulesOf(files: Record<string, string>): string[] {
  return checkRegistry(writeRegistry(files)).map((i) => i.rule);
}

function registryFile(attributes: string): Record<string, string> {
  return { 'kata/registry.yaml': `groups:\n${registryGroup(attributes)}` };
}

const NAME_HINT = 'use lowercase letters and digits, single dots between namespaces and single underscores between words, e.g. kata.sandbox.id';
const STABILITY_HINT = 'add stability: development (one of development, alpha, beta, release_candidate, stable)';
const NAME_RE = '^[a-z][a-z0-9]*([._][a-z0-9]+)*$';

after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('semconv checker', () => {
  it('passes the real registry', () => {
    assert.deepEqual(checkRegistry(REAL_MODEL).map(formatIssue), []);
  });

  it('passes the minimal test registry (so every other case fails only for its own reason)', () => {
    assert.deepEqual(issuesOf({}), []);
  });

  it('the CLI exits 0 on the real registry and 1 on a bad one', () => {
    const logs: string[] = [];
    const { log, error } = console;
    console.log = (s: string) => logs.push(s);
    console.error = (s: string) => logs.push(s);
    try {
      assert.equal(checkMain([REAL_MODEL]), 0);
      assert.match(logs.join('\n'), /^semconv check OK: 43 kata attributes in \d+ registry groups, 4 events/);
      logs.length = 0;
      assert.equal(checkMain([writeRegistry(registryFile(attr('kata.sandbox.id') + attr('kata.Sandbox.id')))]), 1);
    } finally {
      console.log = log;
      console.error = error;
    }
    assert.ok(logs.some((l) => l.startsWith('kata/registry.yaml: registry.kata / kata.Sandbox.id: ')), logs.join('\n'));
    assert.match(logs[logs.length - 1]!, /^semconv check: \d+ issues? in /);
  });

  describe('names', () => {
    it('rejects ids that do not match the weaver name pattern', () => {
      for (const bad of ['kata.Sandbox.id', 'kata..id', 'kata.id_', 'kata.sandbox-id', '1kata.id', 'kata.id.']) {
        const attrs = attr('kata.sandbox.id') + attr(`'${bad}'`);
        assert.deepEqual(issuesOf(registryFile(attrs)), [
          `kata/registry.yaml: registry.kata / ${bad}: attribute id "${bad}" does not match ${NAME_RE}. Fix: ${NAME_HINT}`,
        ], bad);
      }
    });

    it('requires a namespace on every attribute', () => {
      assert.deepEqual(issuesOf(registryFile(attr('kata.sandbox.id') + attr('sandbox_id'))), [
        'kata/registry.yaml: registry.kata / sandbox_id: attribute "sandbox_id" has no namespace. Fix: put it in our namespace: kata.sandbox_id',
      ]);
    });

    it('rejects an attribute that is also the namespace of another (kata.sandbox + kata.sandbox.id)', () => {
      assert.deepEqual(issuesOf(registryFile(attr('kata.sandbox.id') + attr('kata.sandbox'))), [
        'kata/registry.yaml: registry.kata / kata.sandbox: attribute "kata.sandbox" is also the namespace of "kata.sandbox.id". '
          + 'Fix: rename one of them, e.g. "kata.sandbox" to "kata.sandbox.name" or "kata.sandbox.value"',
      ]);
    });

    it('rejects an attribute inside a template attribute', () => {
      const template = `      - id: kata.field
        type: template[string]
        stability: development
        brief: Other fields.
`;
      assert.deepEqual(issuesOf(registryFile(attr('kata.sandbox.id') + template + attr('kata.field.action'))), [
        'kata/registry.yaml: registry.kata / kata.field.action: attribute "kata.field.action" falls inside the template "kata.field.<key>". '
          + 'Fix: rename "kata.field.action" out of kata.field.*, or drop it and let the template carry the field',
      ]);
    });

    it('rejects two ids that map to the same constant (kata.sandbox_id vs kata.sandbox.id)', () => {
      assert.deepEqual(issuesOf(registryFile(attr('kata.sandbox.id') + attr('kata.sandbox_id'))), [
        'kata/registry.yaml: registry.kata / kata.sandbox_id: "kata.sandbox.id" and "kata.sandbox_id" both map to the constant ATTR_KATA_SANDBOX_ID. '
          + 'Fix: rename one of them so the names differ in more than "." versus "_"',
      ]);
    });

    it('rejects event names that map to the same constant', () => {
      const events = `groups:
  - id: event.kata.guest.panic
    type: event
    stability: development
    name: kata.guest.panic
    brief: One.
  - id: event.kata.guest_panic
    type: event
    stability: development
    name: kata.guest_panic
    brief: Two.
`;
      assert.deepEqual(issuesOf({ 'kata/events.yaml': events }), [
        'kata/events.yaml: event.kata.guest_panic: event "kata.guest.panic" and event "kata.guest_panic" both map to the constant EVENT_KATA_GUEST_PANIC. '
          + 'Fix: rename one of them so the names differ in more than "." versus "_"',
      ]);
    });

    it('reserves otel.*', () => {
      assert.deepEqual(issuesOf(registryFile(attr('kata.sandbox.id') + attr('otel.sandbox.id'))), [
        'kata/registry.yaml: registry.kata / otel.sandbox.id: attribute "otel.sandbox.id" uses the reserved otel. namespace. Fix: rename it to kata.sandbox.id',
      ]);
    });

    it('rejects our own attributes in an OpenTelemetry namespace we reuse', () => {
      assert.deepEqual(issuesOf(registryFile(attr('kata.sandbox.id') + attr('container.sandbox_id'))), [
        'kata/registry.yaml: registry.kata / container.sandbox_id: attribute "container.sandbox_id" is defined in OpenTelemetry\'s container. namespace. '
          + 'Fix: reuse the OpenTelemetry attribute (list it in otel-reused.yaml and ref it), or define ours as kata.container.sandbox_id',
      ]);
    });

    it('requires our attributes to be under kata.', () => {
      assert.deepEqual(issuesOf(registryFile(attr('kata.sandbox.id') + attr('acme.sandbox.id'))), [
        'kata/registry.yaml: registry.kata / acme.sandbox.id: attribute "acme.sandbox.id" is not under kata.. Fix: rename it to kata.acme.sandbox.id',
      ]);
    });
  });

  describe('briefs and stability', () => {
    it('requires a non-empty brief on attributes, groups, events and enum members', () => {
      const attrs = `      - id: kata.sandbox.id
        type: string
        stability: development
        brief: '   '
      - id: kata.component
        stability: development
        brief: The component.
        type:
          members:
            - id: runtime
              value: runtime
              stability: development
              brief: ''
`;
      const events = `groups:
  - id: event.kata.runtime.panic
    type: event
    stability: development
    name: kata.runtime.panic
    brief: ''
`;
      assert.deepEqual(issuesOf({ 'kata/registry.yaml': `groups:\n${registryGroup(attrs, 'registry.kata', '')}`, 'kata/events.yaml': events }), [
        "kata/events.yaml: event.kata.runtime.panic: the group has an empty brief. Fix: add brief: <what the group describes>",
        'kata/registry.yaml: registry.kata: the group has an empty brief. Fix: add brief: <what the group describes>',
        'kata/registry.yaml: registry.kata / kata.sandbox.id: the attribute has an empty brief. Fix: add brief: <what the value means>',
        'kata/registry.yaml: registry.kata / kata.component (member runtime): the enum member has an empty brief. Fix: add brief: <what the value means>',
      ]);
    });

    it('requires stability on every group that is not an attribute_group', () => {
      const events = `groups:
  - id: event.kata.runtime.panic
    type: event
    name: kata.runtime.panic
    brief: The shim panicked.
    attributes:
      - ref: kata.sandbox.id
`;
      assert.deepEqual(issuesOf({ 'kata/events.yaml': events }), [
        `kata/events.yaml: event.kata.runtime.panic: the event group needs a stability. Fix: ${STABILITY_HINT}`,
      ]);
    });

    it('requires stability on attributes and rejects unknown levels', () => {
      const attrs = `      - id: kata.sandbox.id
        type: string
        brief: The sandbox.
      - id: kata.exec.id
        type: string
        stability: experimental
        brief: The exec.
`;
      assert.deepEqual(issuesOf(registryFile(attrs)), [
        `kata/registry.yaml: registry.kata / kata.sandbox.id: the attribute has no stability. Fix: ${STABILITY_HINT}`,
        `kata/registry.yaml: registry.kata / kata.exec.id: unknown stability "experimental". Fix: ${STABILITY_HINT}`,
      ]);
    });

    it('rejects a group that claims a higher stability than the attributes it requires', () => {
      const events = `groups:
  - id: event.kata.runtime.panic
    type: event
    stability: stable
    name: kata.runtime.panic
    brief: The shim panicked.
    attributes:
      - ref: kata.sandbox.id
        requirement_level: required
      - ref: container.id
        requirement_level: opt_in
`;
      assert.deepEqual(issuesOf({ 'kata/events.yaml': events }), [
        'kata/events.yaml: event.kata.runtime.panic / kata.sandbox.id: the stable group references development attribute "kata.sandbox.id". '
          + "Fix: lower the group's stability, raise the attribute's, or make the ref opt_in",
      ]);
    });
  });

  describe('groups, ids and refs', () => {
    it('only defines attributes in attribute_group groups with a registry.* id', () => {
      const file = `groups:
${registryGroup(attr('kata.sandbox.id'))}
  - id: kata.exec
    type: attribute_group
    brief: Exec.
    attributes:
${attr('kata.exec.id')}`;
      assert.deepEqual(issuesOf({ 'kata/registry.yaml': file }), [
        'kata/registry.yaml: kata.exec: attributes may only be defined in a group with type attribute_group and an id starting with "registry.". '
          + 'Fix: move the definitions to a registry.kata.* attribute_group and ref them here',
      ]);
    });

    it('reports duplicate attribute ids, group ids and event names', () => {
      const other = `groups:
${registryGroup(attr('kata.sandbox.id'))}
  - id: event.kata.a
    type: event
    stability: development
    name: kata.runtime.panic
    brief: A.
  - id: event.kata.b
    type: event
    stability: development
    name: kata.runtime.panic
    brief: B.
`;
      assert.deepEqual(issuesOf({ 'kata/zz-other.yaml': other }), [
        'kata/zz-other.yaml: registry.kata: group id "registry.kata" is already used in kata/registry.yaml. Fix: give each group a unique id',
        'kata/zz-other.yaml: event.kata.b: event name "kata.runtime.panic" is already used by event.kata.a in kata/zz-other.yaml. Fix: give each event a unique name',
        'kata/zz-other.yaml: registry.kata / kata.sandbox.id: attribute "kata.sandbox.id" is already defined in kata/registry.yaml (registry.kata). '
          + 'Fix: keep one definition and ref it elsewhere',
      ]);
    });

    it('reports an attribute we define that is also listed as a reused OpenTelemetry attribute', () => {
      const reused = `${REUSED}  - id: kata.sandbox.id
    type: string
    stability: development
    brief: Not OpenTelemetry.
    placement: attribute
    used_by: [parser]
`;
      assert.deepEqual(issuesOf({ 'otel-reused.yaml': reused }), [
        'kata/registry.yaml: registry.kata / kata.sandbox.id: attribute "kata.sandbox.id" is also listed in otel-reused.yaml as a reused OpenTelemetry attribute. '
          + 'Fix: remove our definition and ref the OpenTelemetry one',
        'otel-reused.yaml: reused / kata.sandbox.id: "kata.sandbox.id" is not an OpenTelemetry attribute. Fix: list only OpenTelemetry attributes here; define ours in kata/',
      ]);
    });

    it('resolves refs against the registry and otel-reused.yaml only', () => {
      const common = `groups:
  - id: kata.log.record
    type: attribute_group
    brief: Every record.
    attributes:
      - ref: kata.sandbox.id
        requirement_level: required
      - ref: container.id
      - ref: k8s.pod.name
      - ref: kata.sandbox.uuid
`;
      assert.deepEqual(issuesOf({ 'kata/common.yaml': common }), [
        'kata/common.yaml: kata.log.record / k8s.pod.name: ref "k8s.pod.name" is neither defined in the registry nor listed in otel-reused.yaml. '
          + 'Fix: define it in a registry.kata.* group, or add the OpenTelemetry attribute to otel-reused.yaml',
        'kata/common.yaml: kata.log.record / kata.sandbox.uuid: ref "kata.sandbox.uuid" is neither defined in the registry nor listed in otel-reused.yaml. '
          + 'Fix: define it in a registry.kata.* group, or add the OpenTelemetry attribute to otel-reused.yaml',
      ]);
    });

    it('rejects an invalid requirement level', () => {
      const common = `groups:
  - id: kata.log.record
    type: attribute_group
    brief: Every record.
    attributes:
      - ref: kata.sandbox.id
        requirement_level: mandatory
`;
      assert.deepEqual(issuesOf({ 'kata/common.yaml': common }), [
        'kata/common.yaml: kata.log.record / kata.sandbox.id: invalid requirement_level. Fix: use required, recommended, opt_in, or {conditionally_required: <when>}',
      ]);
    });
  });

  describe('enums', () => {
    function enumAttr(members: [string, string][]): string {
      return `      - id: kata.component
        stability: development
        brief: The component.
        type:
          members:
${members.map(([id, value]) => `            - id: ${id}\n              value: ${value}\n              stability: development\n              brief: Member ${id}.\n`).join('')}`;
    }

    it('rejects enum member ids that map to the same constant', () => {
      const attrs = attr('kata.sandbox.id') + enumAttr([['runtime_rs', 'runtime-rs'], ['runtime.rs', 'runtime.rs']]);
      assert.deepEqual(issuesOf(registryFile(attrs)), [
        'kata/registry.yaml: registry.kata / kata.component (member runtime.rs): enum members "runtime_rs" and "runtime.rs" both map to the constant '
          + 'KATA_COMPONENT_VALUE_RUNTIME_RS. Fix: rename one member id so the ids differ in more than "." versus "_"',
      ]);
    });

    it('rejects duplicate enum member ids and values', () => {
      const attrs = attr('kata.sandbox.id') + enumAttr([['runtime', 'runtime'], ['agent', 'runtime'], ['runtime', 'agent']]);
      assert.deepEqual(checkRegistry(writeRegistry(registryFile(attrs))).map((i) => `${i.rule}: ${i.message}`), [
        'enum-duplicate: enum value "runtime" is used twice',
        'enum-duplicate: enum member id "runtime" is used twice',
      ]);
    });

    it('requires a stability on every enum member', () => {
      const attrs = `${attr('kata.sandbox.id')}      - id: kata.component
        stability: development
        brief: The component.
        type:
          members:
            - id: runtime
              value: runtime
              brief: Go shim.
`;
      assert.deepEqual(issuesOf(registryFile(attrs)), [
        `kata/registry.yaml: registry.kata / kata.component (member runtime): the enum member has no stability. Fix: ${STABILITY_HINT}`,
      ]);
    });
  });

  describe('types and events', () => {
    it('allows type any only on events', () => {
      const attrs = attr('kata.sandbox.id') + `      - id: kata.payload
        type: any
        stability: development
        brief: Anything.
`;
      assert.deepEqual(issuesOf(registryFile(attrs)), [
        'kata/registry.yaml: registry.kata / kata.payload: type any is only allowed on events and spans. Fix: give the attribute a concrete type',
      ]);
    });

    it('rejects unknown types and examples that do not match the type', () => {
      const attrs = attr('kata.sandbox.id') + `      - id: kata.relay.depth
        type: integer
        stability: development
        brief: Depth.
      - id: kata.parse.line_count
        type: int
        stability: development
        brief: Lines.
        examples: [3, 'many']
`;
      assert.deepEqual(rulesOf(registryFile(attrs)), ['type', 'examples-type']);
    });

    it('rejects an event that adds event.name', () => {
      const events = `groups:
  - id: event.kata.runtime.panic
    type: event
    stability: development
    name: kata.runtime.panic
    brief: The shim panicked.
    attributes:
      - ref: event.name
`;
      assert.deepEqual(issuesOf({ 'kata/events.yaml': events }), [
        'kata/events.yaml: event.kata.runtime.panic / event.name: events may not add event.name; the event name goes in the LogRecord EventName field. '
          + 'Fix: remove the event.name entry: the group name: is the event name',
      ]);
    });

    it('requires event names under kata.', () => {
      const events = `groups:
  - id: event.kata.runtime.panic
    type: event
    stability: development
    name: runtime.panic
    brief: The shim panicked.
`;
      assert.deepEqual(issuesOf({ 'kata/events.yaml': events }), [
        'kata/events.yaml: event.kata.runtime.panic: event name "runtime.panic" is not under kata.. Fix: rename it to kata.runtime.panic',
      ]);
    });
  });

  describe('files', () => {
    it('reports YAML syntax errors and unknown keys with the file name', () => {
      const issues = issuesOf({
        'kata/broken.yaml': 'groups:\n  - id: registry.kata.x\n    brief: "unterminated\n',
        'kata/typo.yaml': `groups:\n  - id: registry.kata.typo\n    type: attribute_group\n    brief: Typo.\n    attributes:\n${attr('kata.typo', '        stabilty: development\n')}`,
      });
      assert.ok(issues.some((i) => i.startsWith('kata/broken.yaml: YAML syntax error: ')), issues.join('\n'));
      assert.ok(issues.includes('kata/typo.yaml: registry.kata.typo / kata.typo: unknown key "stabilty". '
        + 'Fix: remove it or correct its spelling (allowed: id, type, stability, brief, note, examples, requirement_level, deprecated, sampling_relevant, annotations, role)'),
      issues.join('\n'));
    });

    it('checks the manifest', () => {
      const manifest = MANIFEST.replace('schema_url: https://kata-otel.dev/schemas/kata/0.1.0', 'schema_url: https://kata-otel.dev/schemas/kata/0.2.0');
      assert.deepEqual(issuesOf({ 'manifest.yaml': manifest }), [
        'manifest.yaml: manifest / schema_url: schema_url does not end with the version 0.1.0. Fix: end it with /0.1.0, or change version to match',
      ]);
    });

    it('checks reused entries', () => {
      const reused = `reused:
  - id: container.id
    type: string
    brief: The container.
    placement: span
    used_by: [parser]
  - id: container.id
    type: string
    stability: stable
    brief: Again.
    placement: attribute
    used_by: [parser]
`;
      assert.deepEqual(rulesOf({ 'otel-reused.yaml': reused }), ['duplicate-id', 'stability-required', 'reused-placement']);
    });
  });

  it('checks a model held in memory', () => {
    const { model, issues } = loadModel(REAL_MODEL);
    assert.deepEqual(issues, []);
    const group = model.groups.find((g) => g.id === 'registry.kata')!;
    const extra: AttributeDef = {
      kind: 'def', id: 'kata.sandbox_id', type: 'string', stability: 'development', brief: 'Clash.',
      note: undefined, examples: undefined, requirementLevel: undefined, deprecated: undefined,
    };
    group.attributes.push(extra);
    assert.deepEqual(checkModel(model).map((i) => i.rule), ['constant-collision']);
  });
});
