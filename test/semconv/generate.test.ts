import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as generated from '../../semconv/generated/attributes';
import {
  CONSTANTS_FILE, GENERATED_LINE, MARKDOWN_FILE, findDrift, main as generateMain, renderConstants, renderMarkdown,
} from '../../semconv/tools/generate';
import type { Model } from '../../semconv/tools/model';
import {
  attributeConstant, attributeDefs, enumTypeName, enumValueConstant, enumValuesConstant, eventConstant, findRepoRoot, isEnum,
  isTemplate, loadModel,
} from '../../semconv/tools/model';

const ROOT = findRepoRoot(__dirname);
const MODEL_DIR = path.join(ROOT, 'semconv', 'model');

function load(dir = MODEL_DIR): Model {
  const { model, issues } = loadModel(dir);
  assert.deepEqual(issues, []);
  return model;
}

function committed(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** Runs a CLI main() with console output captured. */
function quiet(fn: () => number): { code: number; output: string[] } {
  const output: string[] = [];
  const { log, error } = console;
  console.log = (s: string) => output.push(s);
  console.error = (s: string) => output.push(s);
  try {
    return { code: fn(), output };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const exportsOf = generated as unknown as Record<string, unknown>;

describe('semconv generator', () => {
  describe('drift: the committed files are what the YAML renders to now', () => {
    it(`${CONSTANTS_FILE} is up to date (run npm run semconv:generate)`, () => {
      assert.equal(committed(CONSTANTS_FILE), renderConstants(load()));
    });

    it(`${MARKDOWN_FILE} is up to date (run npm run semconv:generate)`, () => {
      assert.equal(committed(MARKDOWN_FILE), renderMarkdown(load()));
    });

    it('begins both generated files with the do-not-edit line', () => {
      assert.equal(committed(CONSTANTS_FILE).split('\n')[0], `// ${GENERATED_LINE}`);
      assert.ok(committed(MARKDOWN_FILE).split('\n')[0]!.startsWith(`<!-- ${GENERATED_LINE}`));
    });

    it('notices a YAML change that was not regenerated, and --check fails until it is', () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-semconv-gen-'));
      try {
        fs.cpSync(path.join(ROOT, 'semconv', 'model'), path.join(tmp, 'semconv', 'model'), { recursive: true });
        for (const f of [CONSTANTS_FILE, MARKDOWN_FILE]) {
          fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
          fs.copyFileSync(path.join(ROOT, f), path.join(tmp, f));
        }
        assert.equal(quiet(() => generateMain(['--check', '--root', tmp])).code, 0);

        const registry = path.join(tmp, 'semconv', 'model', 'kata', 'registry.yaml');
        const text = fs.readFileSync(registry, 'utf8');
        const changed = text.replace('Identifier of the Kata sandbox,', 'Id of the Kata sandbox,');
        assert.notEqual(changed, text);
        fs.writeFileSync(registry, changed);

        assert.deepEqual(findDrift(tmp, load(path.join(tmp, 'semconv', 'model'))), [CONSTANTS_FILE, MARKDOWN_FILE]);
        const check = quiet(() => generateMain(['--check', '--root', tmp]));
        assert.equal(check.code, 1);
        assert.ok(check.output.includes(`out of date: ${CONSTANTS_FILE}`), check.output.join('\n'));
        assert.ok(check.output.includes(`out of date: ${MARKDOWN_FILE}`), check.output.join('\n'));

        assert.equal(quiet(() => generateMain(['--root', tmp])).code, 0);
        assert.equal(quiet(() => generateMain(['--check', '--root', tmp])).code, 0);
        assert.match(fs.readFileSync(path.join(tmp, MARKDOWN_FILE), 'utf8'), /Id of the Kata sandbox,/);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('refuses to generate from a registry with issues', () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-semconv-gen-'));
      try {
        fs.cpSync(path.join(ROOT, 'semconv', 'model'), path.join(tmp, 'semconv', 'model'), { recursive: true });
        const registry = path.join(tmp, 'semconv', 'model', 'kata', 'registry.yaml');
        fs.writeFileSync(registry, fs.readFileSync(registry, 'utf8').replace('- id: kata.module', '- id: kata.Module'));
        const run = quiet(() => generateMain(['--root', tmp]));
        assert.equal(run.code, 1);
        assert.ok(run.output.some((l) => l.startsWith('kata/registry.yaml: registry.kata / kata.Module: ')), run.output.join('\n'));
        assert.equal(fs.existsSync(path.join(tmp, CONSTANTS_FILE)), false);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  });

  describe('determinism', () => {
    it('renders the same text whatever the order of files, groups and definitions', () => {
      const model = load();
      const shuffled: Model = {
        ...model,
        // Definitions are sorted by id; refs keep their registry order (it ranks them), so only
        // registry groups have their attributes reversed.
        groups: [...model.groups].reverse().map((g) => ({
          ...g,
          attributes: g.id.startsWith('registry.') ? [...g.attributes].reverse() : g.attributes,
        })),
        reused: [...model.reused].reverse(),
      };
      // Enum members keep registry order on purpose too.
      assert.equal(renderConstants(shuffled), renderConstants(model));
      assert.equal(renderConstants(load()), renderConstants(model));
    });
  });

  describe('the generated constants module', () => {
    const model = load();

    it('exports every attribute id of the registry', () => {
      for (const { def } of attributeDefs(model)) {
        const value = exportsOf[attributeConstant(def.id)];
        if (isTemplate(def.type)) {
          assert.equal(typeof value, 'function', def.id);
          assert.equal((value as (k: string) => string)('action'), `${def.id}.action`);
        } else {
          assert.equal(value, def.id, attributeConstant(def.id));
        }
      }
    });

    it('exports every enum value and the value list of each enum', () => {
      for (const { def } of attributeDefs(model)) {
        if (!isEnum(def.type)) continue;
        const values = def.type.members.map((m) => m.value);
        for (const m of def.type.members) assert.equal(exportsOf[enumValueConstant(def.id, m.id)], m.value, `${def.id} ${m.id}`);
        assert.deepEqual(exportsOf[enumValuesConstant(def.id)], values);
        assert.ok(Object.isFrozen(exportsOf[enumValuesConstant(def.id)]));
        assert.ok(enumTypeName(def.id).endsWith('Value'));
      }
      assert.equal(generated.KATA_COMPONENT_VALUE_RUNTIME_RS, 'runtime-rs');
      assert.equal(generated.ATTR_KATA_SANDBOX_ID, 'kata.sandbox.id');
      assert.equal(generated.ATTR_KATA_FIELD('vmconsole'), 'kata.field.vmconsole');
    });

    it('exports every event name', () => {
      const events = model.groups.filter((g) => g.type === 'event').map((g) => g.name!).sort();
      for (const e of events) assert.equal(exportsOf[eventConstant(e)], e);
      assert.deepEqual([...generated.KATA_EVENT_NAMES], events);
      assert.equal(generated.EVENT_KATA_RUNTIME_PANIC, 'kata.runtime.panic');
    });

    it('lists the keys: ours, the reused OpenTelemetry ones and the template prefixes', () => {
      const defs = attributeDefs(model).map((e) => e.def);
      assert.deepEqual([...generated.KATA_ATTRIBUTE_KEYS], defs.filter((d) => !isTemplate(d.type)).map((d) => d.id).sort());
      assert.deepEqual([...generated.TEMPLATE_PREFIXES], defs.filter((d) => isTemplate(d.type)).map((d) => `${d.id}.`).sort());
      assert.deepEqual([...generated.OTEL_REUSED_ATTRIBUTE_KEYS], model.reused.map((r) => r.id).sort());
      for (const r of model.reused) assert.equal(exportsOf[attributeConstant(r.id)], r.id);
      for (const k of [...generated.KATA_ATTRIBUTE_KEYS, ...generated.OTEL_REUSED_ATTRIBUTE_KEYS]) {
        assert.ok(generated.ATTRIBUTE_VALUE_TYPES[k] !== undefined, k);
      }
      assert.ok(Object.isFrozen(generated.KATA_ATTRIBUTE_KEYS));
    });

    it('carries the manifest version and schema URL', () => {
      assert.equal(generated.KATA_SEMCONV_VERSION, model.manifest.version);
      assert.equal(generated.KATA_SEMCONV_SCHEMA_URL, model.manifest.schemaUrl);
    });
  });

  describe('agreement with the parsers (receiver/kata/keys.ts)', () => {
    const keysSource = fs.readFileSync(path.join(ROOT, 'receiver', 'kata', 'keys.ts'), 'utf8');

    /** The string literals of `export type <name> = 'a' | 'b' ...;` in keys.ts. */
    function union(name: string): string[] {
      const m = new RegExp(`export type ${name} =([^;]*);`).exec(keysSource);
      assert.ok(m !== null, `type ${name} not found in keys.ts`);
      return [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
    }

    it('every key in K is registered, reused or a template prefix', () => {
      const keys = [...keysSource.matchAll(/^\s+[A-Z0-9_]+: '([^']+)',$/gm)].map((x) => x[1]!);
      assert.ok(keys.length > 30, 'could not read K from keys.ts');
      const known = new Set([...generated.KATA_ATTRIBUTE_KEYS, ...generated.OTEL_REUSED_ATTRIBUTE_KEYS, ...generated.TEMPLATE_PREFIXES]);
      assert.deepEqual(keys.filter((k) => !known.has(k)), []);
    });

    it('the Component, LogFormat and HypervisorType unions match the registry enums', () => {
      assert.deepEqual(union('Component').sort(), [...generated.KATA_COMPONENT_VALUES].sort());
      assert.deepEqual(union('LogFormat').sort(), [...generated.KATA_LOG_FORMAT_VALUES].sort());
      assert.deepEqual(union('HypervisorType').sort(), [...generated.KATA_HYPERVISOR_TYPE_VALUES].sort());
    });

    it('every Envelope value is documented on kata.log.envelope', () => {
      const note = attributeDefs(load()).find((e) => e.def.id === 'kata.log.envelope')!.def.note ?? '';
      for (const v of union('Envelope')) assert.ok(note.includes(`\`${v}\``), v);
    });
  });
});
