/**
 * Every Collector configuration shipped in collector-config/otelcol/ passes the built
 * Collector's own `validate` (which builds the pipelines without starting them), and so do
 * the Collector configs embedded elsewhere (Kubernetes ConfigMaps are checked where they
 * are generated).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../e2e/sidecar';
import { otelcolBinary } from './otelcol';

const run = promisify(execFile);
const CONFIGS = join(ROOT, 'collector-config', 'otelcol');

describe('collector: shipped Collector configurations', function () {
  this.timeout(60_000);

  it('ships the sidecar, gateway, grafana and Collector-only fallback configs', () => {
    const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml'));
    for (const f of ['sidecar.yaml', 'gateway.yaml', 'grafana.yaml', 'fallback.yaml']) assert.ok(files.includes(f), `${f} exists`);
  });

  for (const file of readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml')).sort()) {
    it(`${file} passes kata-otelcol validate`, async () => {
      const r = await run(otelcolBinary(), ['validate', '--config', join(CONFIGS, file)], { cwd: ROOT })
        .catch((err: { code?: number; stdout?: string; stderr?: string }) => err);
      assert.equal((r as { code?: number }).code ?? 0, 0, `${file}: ${String(r.stderr)}`);
    });
  }
});
