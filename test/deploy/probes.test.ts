/**
 * The probes that run inside the containers rather than from the kubelet: the host-network
 * component's exec probes and kata-otelcol's image HEALTHCHECK. Their scripts are run here
 * against real HTTP servers (kata-otel's telemetry server; a stand-in for the Collector's
 * health_check, which answers 200 on /), with the port rewritten to the test server's.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { TelemetryServer } from '../../service/telemetry/server';
import { ServiceTelemetry } from '../../service/telemetry/telemetry';
import { LogCapture } from '../service/helpers';

const ROOT = join(__dirname, '..', '..', '..');
const K8S = join(ROOT, 'collector-config', 'kubernetes');
const run = promisify(execFile);
type Obj = Record<string, any>;

const patch = parse(readFileSync(join(K8S, 'components', 'host-network', 'daemonset-host-network.yaml'), 'utf8')) as Obj;
const pod = patch.spec.template.spec as Obj;
const container = (name: string): Obj => (pod.containers as Obj[]).find((c) => c.name === name)!;
const envValue = (c: Obj, name: string): string => (c.env as Obj[]).find((e) => e.name === name)!.value as string;

/** Runs argv with every `:<from>` port replaced by `:<to>`; resolves to the exit code. */
async function runProbe(argv: string[], from: number, to: number): Promise<number> {
  const [bin, ...args] = argv.map((a) => a.split(`:${from}`).join(`:${to}`).split(`/${from}`).join(`/${to}`));
  const file = bin === 'node' ? process.execPath : bin!;
  return run(file, args, { timeout: 10_000 }).then(() => 0, (err: { code?: number }) => err.code ?? -1);
}

/** A stand-in for the Collector's health_check: `status` on every path. */
async function statusServer(status: number): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(status);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('deploy: host-network component (collector-config/kubernetes/components/host-network)', function () {
  this.timeout(30_000);

  it('joins the node\'s network but listens on its loopback only', () => {
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.match(envValue(container('kata-otel'), 'KATA_OTEL_TELEMETRY_ADDRESS'), /^127\.0\.0\.1:\d+$/);
    assert.match(envValue(container('otelcol'), 'OTELCOL_HEALTH_ENDPOINT'), /^127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(JSON.stringify(patch), /0\.0\.0\.0|POD_IP|HOST_IP/);
  });

  it('replaces every HTTP probe with an exec probe on that loopback address', () => {
    const kataAddress = envValue(container('kata-otel'), 'KATA_OTEL_TELEMETRY_ADDRESS');
    const healthAddress = envValue(container('otelcol'), 'OTELCOL_HEALTH_ENDPOINT');
    const probes = (c: Obj): [string, Obj][] => Object.entries(c).filter(([k]) => k.endsWith('Probe')) as [string, Obj][];
    for (const [name, probe] of probes(container('kata-otel'))) {
      assert.equal(probe.httpGet, null, `${name}: the kubelet cannot reach the node's loopback`);
      const path = name === 'readinessProbe' ? '/readyz' : '/healthz';
      assert.ok((probe.exec.command as string[]).join(' ').includes(`http://${kataAddress}${path}`), `${name} asks ${kataAddress}${path}`);
    }
    assert.deepEqual(probes(container('kata-otel')).map(([n]) => n).sort(), ['livenessProbe', 'readinessProbe', 'startupProbe']);
    const [host, port] = healthAddress.split(':');
    for (const [name, probe] of probes(container('otelcol'))) {
      assert.equal(probe.httpGet, null, name);
      assert.ok((probe.exec.command as string[]).join(' ').includes(`/dev/tcp/${host}/${port}`), `${name} asks ${healthAddress}`);
    }
  });

  describe('kata-otel\'s exec probes, run against the telemetry server', () => {
    const t = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
    let ready = false;
    let server: TelemetryServer;
    let port: number;
    const configured = (): number => Number(envValue(container('kata-otel'), 'KATA_OTEL_TELEMETRY_ADDRESS').split(':')[1]);
    before(async () => {
      server = new TelemetryServer({ address: '127.0.0.1:0', telemetry: t, ready: () => ready, logger: t.logger });
      port = Number((await server.start()).split(':').pop());
    });
    after(() => server.stop());

    it('liveness passes before the service is ready; readiness waits for it', async () => {
      const c = container('kata-otel');
      ready = false;
      assert.equal(await runProbe(c.livenessProbe.exec.command, configured(), port), 0);
      assert.equal(await runProbe(c.startupProbe.exec.command, configured(), port), 0);
      assert.equal(await runProbe(c.readinessProbe.exec.command, configured(), port), 1);
      ready = true;
      assert.equal(await runProbe(c.readinessProbe.exec.command, configured(), port), 0);
    });
  });

  describe('the Collector\'s bash probes and kata-otelcol\'s HEALTHCHECK', () => {
    const dockerfile = readFileSync(join(K8S, 'kata-otelcol.Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
    const healthcheck = JSON.parse(/^HEALTHCHECK .*?CMD (\[.*\])\s*$/m.exec(dockerfile)![1]!) as string[];
    const configured = (): number => Number(envValue(container('otelcol'), 'OTELCOL_HEALTH_ENDPOINT').split(':')[1]);

    for (const [what, argv] of [
      ['liveness probe', (): string[] => container('otelcol').livenessProbe.exec.command as string[]],
      ['HEALTHCHECK', (): string[] => healthcheck],
    ] as const) {
      it(`${what}: passes on 200, fails on 503 and when nothing listens`, async () => {
        const up = await statusServer(200);
        const sick = await statusServer(503);
        try {
          assert.equal(await runProbe(argv(), configured(), up.port), 0);
          assert.equal(await runProbe(argv(), configured(), sick.port), 1);
        } finally {
          up.server.close();
          sick.server.close();
        }
        assert.notEqual(await runProbe(argv(), configured(), up.port), 0);
      });
    }
  });
});
