import assert from 'node:assert/strict';
import type { LogRecord } from '../../../pdata/log-record';
import { CORRELATION_EVENT } from '../../../processors/sigma/tagging';
import { at, correlation, engine, rule } from './helpers';

const base = (name: string, word: string): Record<string, unknown> => rule({ selection: { 'body|contains': word }, condition: 'selection' }, { name });

function correlationsIn(out: LogRecord[]): LogRecord[] {
  return out.filter((r) => r.eventName === CORRELATION_EVENT);
}

describe('sigma correlations', () => {
  it('event_count fires when enough events of a group fall in the window, then starts over', () => {
    const c = correlation({ type: 'event_count', rules: ['exec'], 'group-by': ['kata.sandbox.id'], timespan: '1m', condition: { gte: 3 } });
    const e = engine([base('exec', 'ExecProcess'), c]);
    const sb = (s: string) => ({ 'kata.sandbox.id': s });
    const out = e.process([
      at(0, sb('a'), 'ExecProcess'), at(10, sb('b'), 'ExecProcess'), at(20, sb('a'), 'ExecProcess'),
      at(30, sb('a'), 'ExecProcess'), at(31, sb('a'), 'ExecProcess'), at(32, sb('a'), 'ExecProcess'),
    ]);
    const fired = correlationsIn(out);
    assert.equal(fired.length, 1, 'a fires at its third event, b never; a then starts over');
    assert.equal(out.indexOf(fired[0]!), 4, 'placed after the record that completed the window');
    const a = fired[0]!.attributes;
    assert.equal(a['kata.sandbox.id'], 'a');
    assert.equal(a['kata.security.correlation.count'], 3);
    assert.deepEqual(a['kata.security.correlation.group'], ['kata.sandbox.id=a']);
    assert.equal(a['kata.security.correlation.type'], 'event_count');
    assert.equal(a['kata.security.correlation.timespan'], '1m');
    assert.equal(a['security_rule.uuid'], c.id);
    assert.deepEqual(a['kata.security.rule_ids'], [c.id]);
    assert.equal(a['kata.security.correlation.start_time'], '2025-11-20T06:00:00.000Z');
    assert.equal(fired[0]!.severityText, 'high');
    // Three more events of a fire again (the group started over after firing).
    assert.equal(correlationsIn(e.process([at(33, sb('a'), 'ExecProcess'), at(34, sb('a'), 'ExecProcess')])).length, 1);
  });

  it('event_count slides its window', () => {
    const c = correlation({ type: 'event_count', rules: ['exec'], 'group-by': [], timespan: '1m', condition: { gt: 1 } });
    const e = engine([base('exec', 'ExecProcess'), c]);
    assert.equal(correlationsIn(e.process([at(0, {}, 'ExecProcess'), at(61, {}, 'ExecProcess')])).length, 0);
    assert.equal(correlationsIn(e.process([at(100, {}, 'ExecProcess')])).length, 1, '61 and 100 are 39 s apart');
  });

  it('value_count counts distinct values of a field per group', () => {
    const c = correlation({
      type: 'value_count', rules: ['exec'], 'group-by': ['kata.sandbox.id'], timespan: '5m', condition: { field: 'container.id', gte: 3 },
    });
    const e = engine([base('exec', 'ExecProcess'), c]);
    const r = (s: number, cid: string) => at(s, { 'kata.sandbox.id': 'a', 'container.id': cid }, 'ExecProcess');
    assert.equal(correlationsIn(e.process([r(0, 'c1'), r(1, 'c1'), r(2, 'c2'), r(3, 'c2')])).length, 0);
    const fired = correlationsIn(e.process([r(4, 'c3')]));
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.attributes['kata.security.correlation.count'], 3);
    assert.match(fired[0]!.body, /3 distinct container\.id values within 5m for kata\.sandbox\.id=a/);
  });

  it('temporal fires when every rule matched in the window, in any order', () => {
    const c = correlation({ type: 'temporal', rules: ['first', 'second'], 'group-by': ['kata.sandbox.id'], timespan: '1m' });
    const e = engine([base('first', 'alpha'), base('second', 'beta'), c]);
    const s = { 'kata.sandbox.id': 'x' };
    assert.equal(correlationsIn(e.process([at(0, s, 'beta'), at(10, s, 'alpha')])).length, 1);
    assert.equal(correlationsIn(e.process([at(100, s, 'beta'), at(200, s, 'alpha')])).length, 0, 'too far apart');
    assert.equal(correlationsIn(e.process([at(300, { 'kata.sandbox.id': 'y' }, 'alpha'), at(301, s, 'beta')])).length, 0, 'different groups');
  });

  it('temporal_ordered needs the listed order', () => {
    const c = correlation({ type: 'temporal_ordered', rules: ['first', 'second', 'third'], 'group-by': [], timespan: '1m' });
    const e = engine([base('first', 'alpha'), base('second', 'beta'), base('third', 'gamma'), c]);
    assert.equal(correlationsIn(e.process([at(0, {}, 'beta'), at(1, {}, 'alpha'), at(2, {}, 'gamma')])).length, 0);
    assert.equal(correlationsIn(e.process([at(3, {}, 'beta'), at(4, {}, 'gamma')])).length, 1, 'alpha at 1 then beta, gamma');
    assert.equal(correlationsIn(e.process([at(100, {}, 'alpha'), at(110, {}, 'beta'), at(170, {}, 'gamma')])).length, 0, 'chain longer than 1m');
    assert.equal(correlationsIn(e.process([at(200, {}, 'alpha'), at(201, {}, 'alpha beta gamma')])).length, 0, 'one record is one step');
  });

  it('bounds the groups, evicting the least recently seen and counting it', () => {
    const c = correlation({ type: 'event_count', rules: ['exec'], 'group-by': ['kata.sandbox.id'], timespan: '1h', condition: { gte: 2 } });
    const e = engine([base('exec', 'ExecProcess'), c], { maxGroups: 2 });
    const r = (s: number, sb: string) => at(s, { 'kata.sandbox.id': sb }, 'ExecProcess');
    e.process([r(0, 'a'), r(1, 'b'), r(2, 'c')]);
    assert.equal(e.groupCount(), 2);
    assert.equal(e.drainCounts().evicted.get(String(c.id)), 1);
    assert.equal(correlationsIn(e.process([r(3, 'a')])).length, 0, 'a was evicted, its first event forgotten');
    assert.equal(correlationsIn(e.process([r(4, 'c')])).length, 1);
  });

  it('expires groups whose window passed', () => {
    const c = correlation({ type: 'event_count', rules: ['exec'], 'group-by': ['kata.sandbox.id'], timespan: '1m', condition: { gte: 2 } });
    const e = engine([base('exec', 'ExecProcess'), c]);
    e.process(['a', 'b', 'c'].map((s, i) => at(i, { 'kata.sandbox.id': s }, 'ExecProcess')));
    assert.equal(e.groupCount(), 3);
    e.process([at(120, { 'kata.sandbox.id': 'd' }, 'ExecProcess')]);
    assert.equal(e.groupCount(), 1);
  });

  it('keeps base rules silent unless generate is true', () => {
    const silent = correlation({ type: 'event_count', rules: ['exec'], 'group-by': [], timespan: '1m', condition: { gte: 5 } });
    const e = engine([base('exec', 'ExecProcess'), silent]);
    const r = at(0, {}, 'ExecProcess');
    const ev = e.evaluate(r);
    assert.equal(ev.tagged.length, 0);
    assert.equal(ev.base.length, 1);
    e.process([r]);
    assert.equal(r.attributes['security_rule.uuid'], undefined);
    const loud = engine([base('exec', 'ExecProcess'), { ...silent, id: undefined, correlation: { ...(silent.correlation as object), generate: true } }].map((d, i) => (i === 1 ? { ...d, id: '99999999-0000-4000-8000-000000000001' } : d)));
    const r2 = at(0, {}, 'ExecProcess');
    loud.process([r2]);
    assert.notEqual(r2.attributes['security_rule.uuid'], undefined);
  });

  it('silences a correlation with an exception on the record that completes it, counted', () => {
    const c = correlation({ type: 'event_count', rules: ['exec'], 'group-by': ['k8s.namespace.name'], timespan: '1m', condition: { gte: 2 } });
    const e = engine([base('exec', 'ExecProcess'), c], { exceptions: [{ rule: String(c.id), field: 'k8s.namespace.name', values: ['ci-*'] }] });
    const ns = (n: string) => ({ 'k8s.namespace.name': n });
    const out = e.process([at(0, ns('ci-1'), 'ExecProcess'), at(1, ns('ci-1'), 'ExecProcess'), at(2, ns('prod'), 'ExecProcess'), at(3, ns('prod'), 'ExecProcess')]);
    const fired = correlationsIn(out);
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.attributes['k8s.namespace.name'], 'prod');
    const counts = e.drainCounts();
    assert.equal(counts.suppressed.get(String(c.id)), 1);
    assert.equal(counts.correlations.get(String(c.id)), 1);
  });

  it('feeds an enabled correlation from a disabled base rule', () => {
    const b = base('exec', 'ExecProcess');
    const c = correlation({ type: 'event_count', rules: ['exec'], 'group-by': [], timespan: '1m', condition: { gte: 2 }, generate: true });
    const e = engine([b, c], { selection: { disableIds: [String(b.id)] } });
    const out = e.process([at(0, {}, 'ExecProcess'), at(1, {}, 'ExecProcess')]);
    assert.equal(out[0]!.attributes['security_rule.uuid'], undefined);
    assert.equal(correlationsIn(out).length, 1);
  });
});
