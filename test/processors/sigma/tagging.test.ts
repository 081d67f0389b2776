import assert from 'node:assert/strict';
import type { LogRecord } from '../../../pdata/log-record';
import { sigmaConfigSchema } from '../../../processors/sigma/config';
import { sigmaProcessorFactory } from '../../../processors/sigma/factory';
import { ServiceTelemetry } from '../../../service/telemetry/telemetry';
import { LogCapture } from '../../service/helpers';
import { engine, record, rule } from './helpers';

const contains = (word: string) => ({ selection: { 'body|contains': word }, condition: 'selection' });

describe('sigma tagging', () => {
  it('describes the most severe rule and lists every match and technique', () => {
    const low = rule(contains('debug'), {
      level: 'low', title: 'low one', tags: ['attack.t1059.004', 'kata.category.debug-access'], date: '2025-01-02',
    });
    const high = rule(contains('console'), {
      level: 'high', title: 'high one', description: 'what it finds', references: ['https://example.test/a', 'https://example.test/b'],
      tags: ['attack.execution', 'attack.t1609', 'kata.category.container-exec'], date: '2025-01-01', modified: '2025-02-03',
    });
    const high2 = rule(contains('on'), { level: 'high', title: 'second high', tags: ['kata.category.policy'] });
    const r = record({}, 'debug console on');
    engine([low, high, high2]).process([r]);
    const a = r.attributes;
    assert.equal(a['security_rule.uuid'], high.id, 'the first of the equally severe');
    assert.equal(a['security_rule.name'], 'high one');
    assert.equal(a['security_rule.category'], 'container-exec');
    assert.equal(a['security_rule.description'], 'what it finds');
    assert.equal(a['security_rule.reference'], 'https://example.test/a');
    assert.equal(a['security_rule.ruleset.name'], 'kata');
    assert.equal(a['security_rule.version'], '2025-02-03', 'modified wins over date');
    assert.equal(a['kata.security.level'], 'high');
    assert.deepEqual(a['kata.security.rule_ids'], [low.id, high.id, high2.id]);
    assert.deepEqual(a['kata.security.attack.techniques'], ['T1059.004', 'T1609']);
  });

  it('leaves records that match nothing untouched and returns the same batch', () => {
    const batch = [record({ x: '1' }, 'nothing here')];
    const before = JSON.stringify(batch);
    assert.equal(engine([rule(contains('debug'))]).process(batch), batch);
    assert.equal(JSON.stringify(batch), before);
  });

  it('selects rules by id, tag and level', () => {
    const a = rule(contains('x'), { level: 'low', tags: ['kata.category.policy', 'attack.t1609'] });
    const b = rule(contains('x'), { level: 'high', tags: ['kata.category.lifecycle'] });
    const ids = (opts: Parameters<typeof engine>[1]) => engine([a, b], opts).evaluate(record({}, 'x')).tagged.map((r) => r.id);
    assert.deepEqual(ids({}), [a.id, b.id]);
    assert.deepEqual(ids({ selection: { minLevel: 'medium' } }), [b.id]);
    assert.deepEqual(ids({ selection: { disableIds: [String(a.id)] } }), [b.id]);
    assert.deepEqual(ids({ selection: { disableTags: ['kata.category.lifecycle'] } }), [a.id]);
    assert.deepEqual(ids({ selection: { enableTags: ['attack.t1609'] } }), [a.id]);
    assert.deepEqual(ids({ selection: { enableIds: [String(b.id)] } }), [b.id]);
  });

  it('silences a rule with an exception and counts it', () => {
    const a = rule(contains('debug'));
    const b = rule(contains('console'));
    const e = engine([a, b], { exceptions: [{ rule: String(a.id), field: 'k8s.namespace.name', values: ['ci-*'] }] });
    const ci = record({ 'k8s.namespace.name': 'CI-42' }, 'debug console');
    const prod = record({ 'k8s.namespace.name': 'prod' }, 'debug console');
    e.process([ci, prod]);
    assert.deepEqual(ci.attributes['kata.security.rule_ids'], [b.id]);
    assert.deepEqual(prod.attributes['kata.security.rule_ids'], [a.id, b.id]);
    const counts = e.drainCounts();
    assert.equal(counts.suppressed.get(String(a.id)), 1);
    assert.equal(counts.matched.get(String(a.id)), 1);
    assert.equal(counts.matched.get(String(b.id)), 2);
    assert.equal(e.drainCounts().matched.size, 0, 'drained');
    const all = engine([a, b], { exceptions: [{ rule: '*', field: 'k8s.namespace.name', values: ['ci-*'] }] });
    const ci2 = record({ 'k8s.namespace.name': 'ci-1' }, 'debug console');
    all.process([ci2]);
    assert.equal(ci2.attributes['kata.security.rule_ids'], undefined);
  });
});

describe('sigma processor', () => {
  function telemetry(): ServiceTelemetry {
    return new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
  }

  it('tags, passes the batch on and reports matches and suppressions as metrics', async () => {
    const dir = `${__dirname}/../../../../test/fixtures/sigma/pack`;
    const config = sigmaConfigSchema.parse({
      bundled: false, paths: [dir],
      exceptions: [{ rule: '9c2e7f10-3b4d-4a5e-8f6a-1d2c3b4a5e33', field: 'k8s.namespace.name', values: ['kube-*'] }],
    });
    assert.deepEqual(sigmaProcessorFactory.validate!(config), []);
    const t = telemetry();
    const got: LogRecord[][] = [];
    const p = sigmaProcessorFactory.createLogs!(
      { id: { type: 'sigma', name: '' }, telemetry: t.forComponent('processor', 'sigma'), storageDir: '' },
      config,
      { consumeLogs: async (rs) => void got.push(rs) },
    );
    assert.equal((p as unknown as { mutatesData: boolean }).mutatesData, true);
    await p.consumeLogs([
      record({ 'kata.component': 'agent' }, 'Kernel panic - not syncing: fatal'),
      record({ 'k8s.namespace.name': 'kube-system' }, 'debug console enabled'),
      record({}, 'nothing'),
    ]);
    assert.equal(got[0]!.length, 3);
    assert.equal(got[0]![0]!.attributes['kata.security.level'], 'critical');
    assert.equal(got[0]![1]!.attributes['kata.security.level'], undefined);
    const m = (name: string, labels: Record<string, string>) => t.value(name, { kind: 'processor', component: 'sigma', ...labels });
    assert.equal(await m('security_rule_matches_total', { rule: '5b1d8e44-2a0c-4f6b-8e71-9c3d2b1a0f22' }), 1);
    assert.equal(await m('security_rule_suppressed_total', { rule: '9c2e7f10-3b4d-4a5e-8f6a-1d2c3b4a5e33', reason: 'exception' }), 1);
  });

  it('reports rule problems and unknown rule ids as configuration issues', () => {
    const config = sigmaConfigSchema.parse({
      bundled: false, paths: ['/nonexistent/rules'], disable: { ids: ['00000000-0000-4000-8000-00000000dead'] },
    });
    const issues = sigmaProcessorFactory.validate!(config);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /\/nonexistent\/rules: cannot read/);
    const typo = sigmaConfigSchema.parse({ bundled: false, exceptions: [{ rule: 'nope', field: 'f', values: ['v'] }] });
    assert.deepEqual(sigmaProcessorFactory.validate!(typo), [{ path: 'exceptions[0].rule', message: 'no rule of the pack has id "nope"' }]);
  });

  it('rejects unknown config keys', () => {
    assert.equal(sigmaConfigSchema.safeParse({ rules: [] }).success, false);
    assert.equal(sigmaConfigSchema.safeParse({ min_level: 'severe' }).success, false);
    assert.deepEqual(sigmaConfigSchema.parse({}).correlation, { max_groups: 10_000 });
  });
});
