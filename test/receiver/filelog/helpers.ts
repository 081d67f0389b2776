import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Component } from '../../../component/component';
import { filelogReceiverFactory } from '../../../receiver/filelog';
import type { FilelogReceiver } from '../../../receiver/filelog';
import { MemoryTelemetry, SinkConsumer, TestHost } from '../../../receiver/helper/testing';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kata-otel-${prefix}-`));
}

export interface Running {
  receiver: FilelogReceiver;
  sink: SinkConsumer;
  host: TestHost;
  telemetry: MemoryTelemetry;
  stop(): Promise<void>;
}

/** Starts a filelog receiver with test-friendly timings unless `raw` overrides them. */
export async function startFilelog(storageDir: string, raw: Record<string, unknown>, sink = new SinkConsumer()): Promise<Running> {
  const config = filelogReceiverFactory.schema.parse({
    poll_interval: '10ms',
    force_flush_period: '50ms',
    rotate_wait: '150ms',
    ...raw,
  });
  const telemetry = new MemoryTelemetry();
  const host = new TestHost(telemetry);
  const receiver = filelogReceiverFactory.createLogs!({ id: { type: 'filelog', name: 'test' }, telemetry, storageDir }, config, sink) as Component as FilelogReceiver;
  await receiver.start(host);
  return {
    receiver,
    sink,
    host,
    telemetry,
    stop: () => receiver.shutdown(),
  };
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lines numbered `seq=<n>`; counts how often each number arrived. */
export function tally(bodies: string[], n: number): { missing: number[]; duplicated: number[]; foreign: string[] } {
  const seen = new Map<number, number>();
  const foreign: string[] = [];
  for (const b of bodies) {
    for (const line of b.split('\n')) {
      const m = /seq=(\d+)/.exec(line);
      if (m === null) {
        foreign.push(line);
        continue;
      }
      const k = Number(m[1]);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  const missing: number[] = [];
  const duplicated: number[] = [];
  for (let i = 1; i <= n; i++) {
    const c = seen.get(i) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) duplicated.push(i);
  }
  return { missing, duplicated, foreign };
}

/** A Go shim logfmt line carrying `seq`. */
export function shimLine(seq: number): string {
  const t = new Date(Date.UTC(2026, 0, 15, 12, 0, 0) + seq).toISOString().replace('Z', '000000Z');
  return `time="${t}" level=info msg="container event" seq=${seq} name=containerd-shim-v2 pid=4242 sandbox=0f4c source=virtcontainers`;
}
