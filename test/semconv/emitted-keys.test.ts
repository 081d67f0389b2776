import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogRecord } from '../../pdata/log-record';
import { parseText } from '../../receiver/kata/parse-text';
import {
  ATTRIBUTE_VALUE_TYPES, KATA_ATTRIBUTE_KEYS, KATA_COMPONENT_VALUES, KATA_EVENT_NAMES, KATA_HYPERVISOR_TYPE_VALUES,
  KATA_LOG_FORMAT_VALUES, KATA_PARSE_STATUS_VALUES, OTEL_REUSED_ATTRIBUTE_KEYS, TEMPLATE_PREFIXES,
} from '../../semconv/generated/attributes';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'kata-logs');

/** Every record of every fixture file, with everything optional switched on. */
function parseAllFixtures(): LogRecord[] {
  const out: LogRecord[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.log'))) {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    out.push(...parseText(text, { original: true, filePath: join(FIXTURES, file) }));
  }
  return out;
}

describe('attributes emitted while parsing the fixtures', () => {
  const records = parseAllFixtures();
  const registered = new Set<string>([...KATA_ATTRIBUTE_KEYS, ...OTEL_REUSED_ATTRIBUTE_KEYS]);
  const registeredName = (key: string): boolean => registered.has(key) || TEMPLATE_PREFIXES.some((p) => key.startsWith(p));

  it('parses a meaningful number of records', () => {
    assert.ok(records.length > 300, `only ${records.length} records`);
  });

  it('uses only keys of the Kata registry or reused OpenTelemetry attributes', () => {
    const unknown = new Set<string>();
    for (const r of records) {
      for (const key of [...Object.keys(r.attributes), ...Object.keys(r.resource)]) if (!registeredName(key)) unknown.add(key);
    }
    assert.deepEqual([...unknown].sort(), []);
  });

  it('writes values of the registered type', () => {
    const wrong: string[] = [];
    for (const r of records) {
      for (const [key, value] of Object.entries(r.attributes)) {
        const type = (ATTRIBUTE_VALUE_TYPES as Record<string, string>)[key];
        if (type === undefined) continue;
        const ok =
          type === 'string' || type.startsWith('enum') ? typeof value === 'string'
          : type === 'int' ? Number.isInteger(value)
          : type === 'double' ? typeof value === 'number'
          : type === 'boolean' ? typeof value === 'boolean'
          : type === 'string[]' ? Array.isArray(value)
          : true;
        if (!ok) wrong.push(`${key}=${JSON.stringify(value)} (${type})`);
      }
    }
    assert.deepEqual([...new Set(wrong)], []);
  });

  it('uses only enum members the registry defines', () => {
    const check = (key: string, allowed: readonly string[]): void => {
      for (const r of records) {
        const v = r.attributes[key];
        if (v !== undefined) assert.ok(allowed.includes(v as string), `${key}=${String(v)} is not a member`);
      }
    };
    check('kata.component', KATA_COMPONENT_VALUES);
    check('kata.relay.component', KATA_COMPONENT_VALUES);
    check('kata.log.format', KATA_LOG_FORMAT_VALUES);
    check('kata.relay.format', KATA_LOG_FORMAT_VALUES);
    check('kata.hypervisor.type', KATA_HYPERVISOR_TYPE_VALUES);
    check('kata.parse.status', KATA_PARSE_STATUS_VALUES);
  });

  it('names only registered events', () => {
    for (const r of records) if (r.eventName !== '') assert.ok(KATA_EVENT_NAMES.includes(r.eventName), r.eventName);
  });
});
