/**
 * The bundled pack (rules/) against the real engine: it loads without issues under lint's
 * strict checks, and every test case of rules/tests passes. Skipped while rules/ has no
 * rules. (The fixture expectations are checked by `kata-otel rules test`, not here.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { formatIssue } from '../../../processors/sigma/errors';
import { bundledPackRoot, bundledRulesDir, collectYamlFiles, expandPackRoots, readYamlDocs } from '../../../processors/sigma/files';
import { buildPack } from '../../../processors/sigma/pack';
import { readTestCases, runRuleTests } from '../../../processors/sigma/rule-tests';

describe('the bundled rule pack', function () {
  before(function () {
    if (!fs.existsSync(bundledRulesDir())) this.skip();
  });

  it('passes lint and every test case through the parser and the engine', () => {
    const problems: { file: string; message: string }[] = [];
    const files = collectYamlFiles(expandPackRoots([bundledPackRoot()]).paths, problems);
    assert.deepEqual(problems, []);
    const sources = files.map((file) => ({ file, ...readYamlDocs(file) }));
    const { pack, issues } = buildPack(sources, { lenientPlaceholders: true, checkFields: true });
    const tests = readTestCases(sources, pack);
    assert.deepEqual([...issues, ...tests.issues].map(formatIssue), []);
    const report = runRuleTests(pack, tests.cases);
    const failed = report.results.filter((r) => !r.passed).map((r) => `${r.test.file} cases[${r.test.index}] rule ${r.test.rule}: expected ${r.test.match ? 'a match' : 'no match'}`);
    assert.deepEqual(failed, []);
  });
});
