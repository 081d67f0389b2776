/**
 * The sidecar's V8 heap settings (cli/node-flags.ts) are the ones `npm start` uses and
 * node accepts; the Dockerfile's ENTRYPOINT is checked in test/deploy/dockerfile.test.ts.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIDECAR_NODE_FLAGS } from '../../cli/node-flags';

const ROOT = join(__dirname, '..', '..', '..');

describe('cli: the sidecar\'s node flags', () => {
  it('are what npm start runs the sidecar with', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.ok(pkg.scripts.start!.includes(`node ${SIDECAR_NODE_FLAGS.join(' ')} dist/cli/main.js run `), pkg.scripts.start);
  });

  it('are accepted by this node on its command line (a refused flag makes node exit non-zero)', () => {
    const out = execFileSync(process.execPath, [...SIDECAR_NODE_FLAGS, '-e', "process.stdout.write(typeof require('v8').getHeapStatistics().heap_size_limit)"]).toString();
    assert.equal(out, 'number');
  });
});
