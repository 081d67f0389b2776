// Writes the records of every rule test case and parser fixture as JSON for logql-verify
// (main.go): node rules/tools/logql-verify/dump-cases.js OUT.json  (after npm run build)
'use strict';
const fs = require('fs'), path = require('path'), YAML = require('yaml');
const root = path.resolve(__dirname, '..', '..', '..');
const { parseText } = require(root + '/dist/receiver/kata/parse-text.js');
const san = (k) => k.replace(/[^a-zA-Z0-9_]/g, '_');
const toRec = (r) => {
  const sm = {};
  for (const [k, v] of Object.entries(r.attributes)) if (k !== 'log.record.original') sm[san(k)] = typeof v === 'string' ? v : JSON.stringify(v);
  if (r.severityText) sm.severity_text = r.severityText;
  for (const [k, v] of Object.entries(r.resource || {})) if (k !== 'service.name') sm[san(k)] = String(v);
  return { body: r.body, service: String((r.resource || {})['service.name'] || 'unknown_service'), sm, orig: String(r.attributes['log.record.original'] || '') };
};
const opts = { observedTimeUnixNano: '1795737600000000000', refMillis: 1795737600000 };
const out = { cases: [], fixtures: [] };
for (const f of fs.readdirSync(root + '/rules/tests')) {
  const t = YAML.parse(fs.readFileSync(root + '/rules/tests/' + f, 'utf8'));
  t.cases.forEach((c, i) => out.cases.push({ alert: path.basename(f, '.yml'), n: i + 1, match: c.match, records: parseText(c.lines.join('\n') + '\n', opts).map(toRec) }));
}
const exp = YAML.parse(fs.readFileSync(root + '/rules/fixture-expectations.yml', 'utf8'));
for (const f of fs.readdirSync(root + '/test/fixtures/kata-logs').filter((x) => x.endsWith('.log'))) {
  const blocks = fs.readFileSync(root + '/test/fixtures/kata-logs/' + f, 'utf8').split(/\n(?=# source:)/);
  for (const b of blocks) for (const r of parseText(b + '\n', { ...opts, original: true })) {
    if (r.body.startsWith('#')) continue;
    const rec = toRec(r);
    const w = (exp.files[f] || []).find((e) => rec.orig.includes(e.line));
    out.fixtures.push({ file: f, want: w ? w.category : '', record: rec });
  }
}
fs.writeFileSync(process.argv[2], JSON.stringify(out));
console.log(out.cases.length, 'cases', out.fixtures.length, 'fixture records');
