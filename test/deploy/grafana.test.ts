/**
 * Grafana provisioning in collector-config/grafana/: the files parse, every datasource uid a
 * link or panel names is provisioned, and the queries use names that exist: Loki's names for
 * Kata attributes (dots → underscores, as its OTLP ingest stores structured metadata) and
 * kata-otel's own metric names and labels.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as semconv from '../../semconv/generated/attributes';
import { METRIC_PREFIX, METRICS } from '../../service/telemetry/metrics';

const GRAFANA = join(__dirname, '..', '..', '..', 'collector-config', 'grafana');
type Obj = Record<string, any>;

const datasourcesText = readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'kata-otel.yaml'), 'utf8');
const datasources = (parse(datasourcesText) as Obj).datasources as Obj[];
const byUid = new Map(datasources.map((d) => [d.uid as string, d]));
const dashboardFiles = readdirSync(join(GRAFANA, 'dashboards')).filter((f) => f.endsWith('.json'));
const dashboards = dashboardFiles.map((f) => JSON.parse(readFileSync(join(GRAFANA, 'dashboards', f), 'utf8')) as Obj);

/** Names Loki gives OTLP data: record fields, index labels from the resource, and every
 * attribute of the Kata registry (and the detection processor's level) with dots → `_`. */
const LOKI_NAMES = new Set<string>([
  'trace_id', 'span_id', 'severity_text', 'severity_number', 'service_name',
  ...Object.entries(semconv as Record<string, unknown>)
    .filter(([name, v]) => name.startsWith('ATTR_') && typeof v === 'string')
    .map(([, v]) => (v as string).replace(/\./g, '_')),
  'kata_security_level', // from the sigma processor's registry entries, not in this branch's registry yet
]);

/** Label names a LogQL query filters or groups on. */
function logqlNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?:!=|=~|!~|=)\s*"/g)) names.add(m[1]!);
  for (const m of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) for (const n of m[1]!.split(',')) names.add(n.trim());
  return [...names];
}

/** Every panel, rows' nested panels included. */
function panels(d: Obj): Obj[] {
  return (d.panels as Obj[]).flatMap((p) => [p, ...((p.panels ?? []) as Obj[])]);
}

describe('deploy: Grafana provisioning (collector-config/grafana)', () => {
  it('provisions Tempo, Loki and Prometheus with distinct uids', () => {
    assert.deepEqual(datasources.map((d) => d.type).sort(), ['loki', 'prometheus', 'tempo']);
    assert.equal(byUid.size, datasources.length);
    for (const d of datasources) assert.match(d.url, /^https?:\/\//, d.name);
  });

  it('links traces to logs and logs to traces through provisioned uids only', () => {
    const tempo = datasources.find((d) => d.type === 'tempo')!.jsonData as Obj;
    const loki = datasources.find((d) => d.type === 'loki')!.jsonData as Obj;
    const refs: [string, string, string][] = [
      ['tracesToLogsV2', tempo.tracesToLogsV2.datasourceUid, 'loki'],
      ['tracesToMetrics', tempo.tracesToMetrics.datasourceUid, 'prometheus'],
      ['serviceMap', tempo.serviceMap.datasourceUid, 'prometheus'],
      ...(loki.derivedFields as Obj[]).map((f): [string, string, string] => [`derivedFields ${f.name}`, f.datasourceUid, 'tempo']),
    ];
    for (const [what, uid, type] of refs) {
      assert.ok(byUid.has(uid), `${what}: ${uid} is provisioned`);
      assert.equal(byUid.get(uid)!.type, type, what);
    }
    for (const f of loki.derivedFields as Obj[]) {
      assert.equal(f.matcherType, 'label', 'OTLP attributes are structured metadata, matched as labels');
      assert.ok(LOKI_NAMES.has(f.matcherRegex), `${f.matcherRegex} is a name Loki stores`);
      assert.equal(f.regex, undefined, 'the provisioning key is matcherRegex');
    }
  });

  it('finds a span\'s logs by trace id or by the Kata sandbox id', () => {
    const t = (datasources.find((d) => d.type === 'tempo')!.jsonData as Obj).tracesToLogsV2 as Obj;
    assert.equal(t.customQuery, true);
    assert.match(t.query, /trace_id="\$\$\{__trace\.traceId\}"/);
    assert.match(t.query, /kata_sandbox_id="\$\$\{__span\.tags\["sandbox_id"\]\}"/, 'Kata runtime spans carry sandbox_id');
    assert.match(t.query, /^\{[^}]+\}/, 'a stream selector first: structured metadata cannot be in it');
    for (const n of logqlNames(t.query)) assert.ok(LOKI_NAMES.has(n), `${n} is a name Loki stores`);
  });

  it('escapes Grafana variables as $${...} so provisioning does not take them for environment variables', () => {
    assert.doesNotMatch(datasourcesText, /(?<!\$)\$\{__/);
  });

  it('has dashboards that parse, with unique ids, on provisioned datasources', () => {
    assert.ok(dashboards.length > 0);
    for (const d of dashboards) {
      assert.ok(typeof d.uid === 'string' && d.uid.length <= 40, 'a stable uid of at most 40 characters');
      const ids = panels(d).map((p) => p.id as number);
      assert.equal(new Set(ids).size, ids.length, `${d.uid}: panel ids are unique`);
      for (const p of panels(d)) {
        assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`);
        for (const ds of [p.datasource, ...((p.targets ?? []) as Obj[]).map((t) => t.datasource)].filter((x) => x !== undefined)) {
          assert.ok(byUid.has(ds.uid), `${p.title}: datasource ${ds.uid} is provisioned`);
          assert.equal(byUid.get(ds.uid)!.type, ds.type, `${p.title}: datasource type`);
        }
      }
    }
  });

  it('queries Loki by names its OTLP ingest stores and Prometheus by kata-otel\'s metric names', () => {
    const metricNames = new Set(Object.values(METRICS).flatMap((m) => {
      const base = METRIC_PREFIX + m.name;
      return m.type === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
    }));
    const metricLabels = new Set(['kind', 'component', 'instance', 'job', 'pod', 'namespace', 'le', ...Object.values(METRICS).flatMap((m) => [...m.labels])]);
    let loki = 0;
    let prom = 0;
    for (const d of dashboards) {
      for (const p of panels(d)) {
        for (const t of (p.targets ?? []) as Obj[]) {
          if (t.datasource.type === 'loki') {
            loki++;
            for (const n of logqlNames(t.expr)) assert.ok(LOKI_NAMES.has(n), `${p.title}: ${n} is a name Loki stores`);
          } else if (t.datasource.type === 'prometheus') {
            prom++;
            const used = [...(t.expr as string).matchAll(/\bkata_otel_[a-z_]+/g)].map((m) => m[0]);
            assert.ok(used.length > 0, `${p.title}: queries a kata_otel_ metric`);
            for (const n of used) assert.ok(metricNames.has(n), `${p.title}: ${n} is a kata-otel metric`);
            for (const m of (t.expr as string).matchAll(/\bby\s*\(([^)]*)\)|\{([^}]*)\}/g)) {
              const names = m[1] !== undefined ? m[1].split(',') : m[2]!.split(',').map((s) => s.split(/[=!~]/)[0]!);
              for (const n of names.map((s) => s.trim()).filter((s) => s !== '')) assert.ok(metricLabels.has(n), `${p.title}: label ${n}`);
            }
          }
        }
      }
    }
    assert.ok(loki > 0 && prom > 0);
  });

  it('shows records per component, parse failures, security levels and rule categories, and the queue', () => {
    const exprs = dashboards.flatMap((d) => panels(d).flatMap((p) => ((p.targets ?? []) as Obj[]).map((t) => t.expr as string)));
    for (const want of [/by \(kata_component\)/, /kata_parse_status/, /by \(kata_security_level\)/, /by \(security_rule_category\)/, /kata_otel_queue_depth/]) {
      assert.ok(exprs.some((e) => want.test(e)), String(want));
    }
  });

  it('loads the dashboards through a file provider', () => {
    const providers = (parse(readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'kata-otel.yaml'), 'utf8')) as Obj).providers as Obj[];
    assert.equal(providers.length, 1);
    assert.equal(providers[0]!.type, 'file');
    assert.match(providers[0]!.options.path, /^\//);
  });
});
