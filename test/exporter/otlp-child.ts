/**
 * A separate process for the crash and memory tests (not a test file itself):
 *
 *   node otlp-child.js enqueue <transport> <endpoint> <dir> <n> <batch>
 *     enqueues records 0..n-1 through the exporter; prints `committed <k>` after each
 *     consumeLogs resolves, `done` at the end, then idles until killed.
 *   node otlp-child.js deliver <transport> <endpoint> <dir>
 *     starts the exporter on the same storage and exits once its queue is empty.
 *   node --expose-gc otlp-child.js memory <transport> <endpoint> <dir> <n> <batch>
 *     enqueues with the backend down and prints RSS samples as JSON.
 */
import { logsExporter } from './otlp-harness';
import type { Transport } from './otlp-harness';
import { makeRecords, waitFor } from './otlp-fakes';

async function main(): Promise<void> {
  const [mode, transport, endpoint, dir, nText, batchText] = process.argv.slice(2);
  const n = Number(nText ?? 0);
  const batch = Number(batchText ?? 1000);
  const extra = { retry_on_failure: { initial_interval: '50ms', max_interval: '200ms' } };
  const { exporter, core } = await logsExporter(transport as Transport, endpoint!, dir!, extra);
  if (mode === 'enqueue') {
    for (let i = 0; i < n; i += batch) {
      await exporter.consumeLogs(makeRecords(i, Math.min(batch, n - i)));
      process.stdout.write(`committed ${Math.min(i + batch, n)}\n`);
    }
    process.stdout.write('done\n');
    setInterval(() => undefined, 1000);
    return;
  }
  if (mode === 'deliver') {
    process.stdout.write(`queued ${core.queueDepth.records}\n`);
    await waitFor(() => core.queueDepth.records === 0, 60_000, 'the queue to drain');
    await exporter.shutdown();
    process.stdout.write('drained\n');
    return;
  }
  if (mode === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    const mem = (): { rss: number; heap: number } => {
      gc?.();
      const m = process.memoryUsage();
      return { rss: m.rss, heap: m.heapUsed };
    };
    // Warm up (code paths, heap spaces, SQLite page cache) before the baseline.
    for (let i = 0; i < 50_000; i += batch) await exporter.consumeLogs(makeRecords(i, batch));
    const baseline = mem();
    const samples: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i += batch) {
      await exporter.consumeLogs(makeRecords(i, batch));
      if ((i / batch) % 20 === 0) samples.push(process.memoryUsage().rss);
    }
    const seconds = (performance.now() - t0) / 1000;
    const after = mem();
    process.stdout.write(`${JSON.stringify({ baseline, after, peakRss: Math.max(...samples, after.rss), queued: core.queueDepth, seconds })}\n`);
    await exporter.shutdown();
    return;
  }
  throw new Error(`unknown mode ${String(mode)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
