/**
 * A command loads only its own modules: `kata-otel parse` of a few lines must not pay for
 * loading every sidecar component (gRPC, HTTP servers, SQLite).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './run-cli';

/** The node_modules packages a kata-otel invocation had loaded when it exited. */
function packagesLoaded(args: string[]): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kata-otel-lazy-'));
  try {
    const preload = join(dir, 'report.js');
    writeFileSync(preload, `process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache))));\n`);
    const r = spawnSync(process.execPath, ['-r', preload, BIN, ...args], { encoding: 'utf8', input: 'time="2024-01-01T00:00:00Z" level=info msg="x"\n' });
    const at = r.stderr.lastIndexOf('LOADED ');
    assert.ok(at >= 0, r.stderr);
    const files = JSON.parse(r.stderr.slice(at + 7)) as string[];
    const out = new Set<string>();
    for (const f of files) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
      if (m !== null) out.add(m[1]!);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('cli: each command loads its own modules', function () {
  this.timeout(20_000);

  it('parse loads neither gRPC nor SQLite', () => {
    const loaded = packagesLoaded(['parse', '--no-rules', '-']);
    assert.ok(!loaded.has('@grpc/grpc-js'), [...loaded].join(' '));
    assert.ok(!loaded.has('better-sqlite3'), [...loaded].join(' '));
  });

  it('validate does load them (it checks every component\'s config), so the check above sees packages', () => {
    const loaded = packagesLoaded(['validate', '--config', join(ROOT, 'collector-config', 'kata-otel-default.yaml')]);
    assert.ok(loaded.has('@grpc/grpc-js'), [...loaded].join(' '));
  });
});
