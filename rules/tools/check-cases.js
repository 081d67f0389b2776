#!/usr/bin/env node
// Stopgap checker for the rule pack until `kata-otel rules test` lands: parses every test
// case with the real kata-otel parser (dist/, so run `npm run build` first) and evaluates the
// rules with a deliberately small Sigma subset (the modifiers and condition forms the pack uses).
// It also checks rules/fixture-expectations.yml against test/fixtures/kata-logs/.
// Usage: node rules/tools/check-cases.js [--verbose] [--fixtures-only]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '..', '..');
const { parseText } = require(path.join(root, 'dist/receiver/kata/parse-text.js'));
const verbose = process.argv.includes('--verbose');

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.yml') ? [path.join(dir, d.name)] : []);
}

// ---- field access -------------------------------------------------------------------------
function fieldValue(rec, field) {
  if (field === 'body') return rec.body;
  if (field === 'severityText') return rec.severityText;
  if (field === 'eventName') return rec.eventName;
  if (Object.prototype.hasOwnProperty.call(rec.attributes, field)) return rec.attributes[field];
  if (rec.resource && Object.prototype.hasOwnProperty.call(rec.resource, field)) return rec.resource[field];
  return undefined;
}

// ---- value matching -----------------------------------------------------------------------
function wildcardToRegex(value, mode, cased) {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && (value[i + 1] === '*' || value[i + 1] === '?' || value[i + 1] === '\\')) { out += '\\' + value[i + 1]; i++; continue; }
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  if (mode === 'contains') { /* unanchored */ } else if (mode === 'startswith') out = '^' + out;
  else if (mode === 'endswith') out = out + '$';
  else out = '^' + out + '$';
  return new RegExp(out, cased ? '' : 'i');
}
function compileItem(key, values) {
  const [field, ...mods] = key === null ? [null] : key.split('|');
  const list = Array.isArray(values) ? values : [values];
  const all = mods.includes('all');
  let preds;
  if (mods.includes('exists')) {
    preds = [(v) => (list[0] === true ? v !== undefined : v === undefined)];
    return (rec) => preds[0](field === null ? undefined : fieldValue(rec, field));
  }
  if (mods.includes('re')) {
    let flags = '';
    if (mods.includes('i')) flags += 'i';
    if (mods.includes('m')) flags += 'm';
    if (mods.includes('s')) flags += 's';
    const res = list.map((p) => new RegExp(p, flags));
    preds = res.map((re) => (v) => v !== undefined && v !== null && re.test(String(v)));
  } else {
    const mode = mods.find((m) => m === 'contains' || m === 'startswith' || m === 'endswith') ?? 'eq';
    const cased = mods.includes('cased');
    const unknown = mods.filter((m) => !['contains', 'startswith', 'endswith', 'all', 'cased'].includes(m));
    if (unknown.length) throw new Error(`modifier not supported by check-cases: ${unknown.join(',')}`);
    preds = list.map((val) => {
      if (val === null) return (v) => v === undefined || v === null;
      if (typeof val === 'number') return (v) => v !== undefined && String(v) === String(val);
      const re = wildcardToRegex(String(val), mode, cased);
      return (v) => v !== undefined && v !== null && re.test(String(v));
    });
  }
  const get = (rec) => (field === null ? rec.body : fieldValue(rec, field));
  return all ? (rec) => preds.every((p) => p(get(rec))) : (rec) => preds.some((p) => p(get(rec)));
}
function compileSearch(def) {
  if (Array.isArray(def)) {
    if (def.every((x) => typeof x !== 'object' || x === null)) { const p = compileItem(null, def); return p; }
    const subs = def.map(compileSearch);
    return (rec) => subs.some((s) => s(rec));
  }
  const items = Object.entries(def).map(([k, v]) => compileItem(k, v));
  return (rec) => items.every((p) => p(rec));
}

// ---- condition ----------------------------------------------------------------------------
function compileCondition(cond, searches) {
  const toks = cond.match(/\(|\)|[^\s()]+/g);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const names = Object.keys(searches);
  const pattern = (p) => {
    if (p === 'them') return names.filter((n) => !n.startsWith('_'));
    const re = wildcardToRegex(p, 'eq', true);
    const m = names.filter((n) => re.test(n));
    if (!m.length) throw new Error(`no search identifier matches ${p}`);
    return m;
  };
  function orExpr() { let l = andExpr(); while (peek() === 'or') { next(); const a = l, b = andExpr(); l = (r) => a(r) || b(r); } return l; }
  function andExpr() { let l = notExpr(); while (peek() === 'and') { next(); const a = l, b = notExpr(); l = (r) => a(r) && b(r); } return l; }
  function notExpr() { if (peek() === 'not') { next(); const e = notExpr(); return (r) => !e(r); } return prim(); }
  function prim() {
    const t = next();
    if (t === '(') { const e = orExpr(); if (next() !== ')') throw new Error('missing )'); return e; }
    if (t === '1' || t === 'all') {
      if (next() !== 'of') throw new Error('expected of');
      const ids = pattern(next()).map((n) => searches[n]);
      return t === 'all' ? (r) => ids.every((s) => s(r)) : (r) => ids.some((s) => s(r));
    }
    if (!searches[t]) throw new Error(`unknown search identifier ${t}`);
    return searches[t];
  }
  const e = orExpr();
  if (i !== toks.length) throw new Error(`trailing tokens in condition: ${toks.slice(i).join(' ')}`);
  return e;
}
function compileRule(rule) {
  const searches = {};
  for (const [k, v] of Object.entries(rule.detection)) if (k !== 'condition') searches[k] = compileSearch(v);
  const conds = Array.isArray(rule.detection.condition) ? rule.detection.condition : [rule.detection.condition];
  const fns = conds.map((c) => compileCondition(c, searches));
  return (rec) => fns.some((f) => f(rec));
}

// ---- correlation --------------------------------------------------------------------------
function spanNs(ts) {
  const m = /^(\d+)([smhd])$/.exec(ts);
  return BigInt(m[1]) * BigInt({ s: 1, m: 60, h: 3600, d: 86400 }[m[2]]) * 1000000000n;
}
function cmp(cond, n) {
  for (const [op, v] of Object.entries(cond)) {
    if (op === 'field') continue;
    if (op === 'gte' && !(n >= v)) return false;
    if (op === 'gt' && !(n > v)) return false;
    if (op === 'lte' && !(n <= v)) return false;
    if (op === 'lt' && !(n < v)) return false;
    if (op === 'eq' && !(n === v)) return false;
  }
  return true;
}
function evalCorrelation(corr, byRef, records) {
  const c = corr.correlation;
  const span = spanNs(c.timespan);
  const refs = c.rules.map((r) => { const m = byRef.get(r); if (!m) throw new Error(`correlation ${corr.title}: unknown rule ${r}`); return m; });
  const events = [];
  for (const rec of records) refs.forEach((m, idx) => { if (m(rec)) events.push({ rec, idx, t: BigInt(rec.timeUnixNano) }); });
  const groups = new Map();
  for (const e of events) {
    const key = JSON.stringify((c['group-by'] ?? []).map((f) => fieldValue(e.rec, f) ?? null));
    if ((c['group-by'] ?? []).some((f) => fieldValue(e.rec, f) === undefined)) continue;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(e);
  }
  for (const evs of groups.values()) {
    evs.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    for (let end = 0; end < evs.length; end++) {
      const win = evs.filter((e) => e.t <= evs[end].t && evs[end].t - e.t <= span);
      if (c.type === 'event_count' && cmp(c.condition, win.length)) return true;
      if (c.type === 'value_count') {
        const vals = new Set(win.map((e) => fieldValue(e.rec, c.condition.field)).filter((v) => v !== undefined));
        if (cmp(c.condition, vals.size)) return true;
      }
      if (c.type === 'temporal' && new Set(win.map((e) => e.idx)).size === refs.length) return true;
      if (c.type === 'temporal_ordered') {
        let want = 0;
        for (const e of win) if (e.idx === want) want++;
        if (want === refs.length) return true;
      }
    }
  }
  return false;
}

// ---- main ---------------------------------------------------------------------------------
const rulesDir = path.join(root, 'rules/kata');
const rules = walk(rulesDir).map((f) => ({ file: f, slug: path.basename(f, '.yml'), doc: YAML.parse(fs.readFileSync(f, 'utf8')) }));
const byRef = new Map();
for (const r of rules) if (r.doc.detection) {
  r.match = compileRule(r.doc);
  byRef.set(r.doc.id, r.match);
  if (r.doc.name) byRef.set(r.doc.name, r.match);
}
const catOf = (doc) => (doc.tags ?? []).find((t) => t.startsWith('kata.category.'))?.slice('kata.category.'.length);
let failures = 0, cases = 0;
const fail = (msg) => { failures++; console.log('FAIL ' + msg); };
const T0 = 1795737600000000000n; // 2026-11-27T00:00:00Z
const REF_MS = 1795737600000;
if (!process.argv.includes('--fixtures-only')) for (const r of rules) {
  const tf = path.join(root, 'rules/tests', r.slug + '.yml');
  if (!fs.existsSync(tf)) { fail(`${r.slug}: no test file`); continue; }
  const t = YAML.parse(fs.readFileSync(tf, 'utf8'));
  if (t.rule !== r.doc.id) fail(`${r.slug}: test file rule ${t.rule} != ${r.doc.id}`);
  t.cases.forEach((cs, n) => {
    cases++;
    const recs = parseText(cs.lines.join('\n') + '\n', { observedTimeUnixNano: String(T0), refMillis: REF_MS });
    const got = r.doc.detection ? recs.some((x) => r.match(x)) : evalCorrelation(r.doc, byRef, recs);
    if (got !== cs.match) fail(`${r.slug} case ${n + 1} (${cs.match ? 'positive' : 'negative'}): got ${got}` + (verbose ? '\n  ' + recs.map((x) => JSON.stringify({ body: x.body, a: x.attributes })).join('\n  ') : ''));
  });
}
// fixture expectations
const expFile = path.join(root, 'rules/fixture-expectations.yml');
if (fs.existsSync(expFile)) {
  const exp = YAML.parse(fs.readFileSync(expFile, 'utf8'));
  const levels = ['informational', 'low', 'medium', 'high', 'critical'];
  const fixDir = path.join(root, 'test/fixtures/kata-logs');
  for (const f of fs.readdirSync(fixDir).filter((x) => x.endsWith('.log'))) {
    const text = fs.readFileSync(path.join(fixDir, f), 'utf8');
    // parse each '# source:' block on its own, like the parser tests do
    const blocks = text.split(/\n(?=# source:)/);
    const recs = blocks.flatMap((b) => parseText(b + '\n', { observedTimeUnixNano: String(T0), original: true, refMillis: REF_MS }).filter((x) => !x.body.startsWith('#')));
    const want = (exp.files?.[f] ?? []);
    const seen = new Set();
    for (const rec of recs) {
      const fired = rules.filter((r) => r.match && r.match(rec));
      const alerting = fired.filter((r) => levels.indexOf(r.doc.level) > 0);
      const orig = String(rec.attributes['log.record.original'] ?? rec.body);
      const hit = want.findIndex((w) => orig.includes(w.line));
      if (hit >= 0) {
        seen.add(hit);
        const w = want[hit];
        if (!alerting.some((r) => catOf(r.doc) === w.category)) fail(`fixture ${f}: "${w.line}" expected category ${w.category}, fired: ${fired.map((r) => r.slug + '/' + r.doc.level).join(', ') || 'none'}`);
      } else if (alerting.length) {
        fail(`fixture ${f}: benign record fired above informational: ${alerting.map((r) => r.slug + '/' + r.doc.level).join(', ')}: ${rec.body.slice(0, 160)}`);
      }
      if (verbose && fired.length) console.log(`  ${f}: ${fired.map((r) => r.slug + '/' + r.doc.level).join(', ')} <- ${rec.body.slice(0, 100)}`);
    }
    want.forEach((w, i) => { if (!seen.has(i)) fail(`fixture ${f}: expected line not found in parsed records: ${w.line}`); });
  }
}
console.log(`${rules.length} rules, ${cases} cases, ${failures} failures`);
process.exit(failures ? 1 : 0);
