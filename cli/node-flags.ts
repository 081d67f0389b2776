/**
 * V8 heap settings the sidecar (`kata-otel run`) is started with: the Dockerfile's
 * ENTRYPOINT, `npm start` and the benchmarks put them on node's command line, so the
 * benchmarks measure the sidecar as it runs in production (test/deploy/dockerfile.test.ts
 * and test/cli/node-flags.test.ts check that they agree).
 *
 * Why, from the end-to-end bench (bench/e2e, 5 runs each, 2026-11-27):
 * - In a container with a memory limit, Node sizes V8's heap from that limit, and for
 *   512 MiB (the DaemonSet's) that left a young generation so small that the sidecar
 *   scavenged 17 times as often and ran mark-compacts 10 times as often: 46,000–48,000
 *   records per CPU-second against 80,000–93,000 unconstrained. `--max-semi-space-size=16`
 *   gave back the young generation V8 picks on a large machine.
 * - 32 rather than 16 (`npm run bench:e2e:compare`, a CPU per build): +2–5% (three rounds),
 *   64 no more than 32. A scavenge copies what is alive, and a batch in flight (1024 raw
 *   lines and their records, a few MB) is alive whenever one runs; a larger young generation
 *   runs fewer. It costs ~30 MiB of RSS (peak 308 MiB with 400 MiB queued and the backend
 *   down); in a 512 MiB memory cgroup with the DaemonSet's `--max-old-space-size=384` the
 *   bench ran at 112,000 records per CPU-second, without an OOM kill.
 * - `--no-allocation-site-pretenuring`: on Node 22, V8 saw the records of a batch survive a
 *   young-generation collection (one runs while the sidecar waits for a queue commit's fsync
 *   with the batch in hand) and from then on allocated records straight into the old
 *   generation. Every scavenge left the heap ~4 MB larger (not ~0.3 MB as on Node 20),
 *   scavenges took 3–4 ms instead of 1–2, mark-compacts came 50% more often. Without it:
 *   +2.6–9.6% records per CPU-second on Node 22 (`npm run bench:e2e:compare`, four rounds),
 *   no change on Node 20. Nothing the sidecar allocates per record lives long, so objects
 *   allocated old gain nothing.
 * - The live heap is small (20–30 MB: records live for one batch; the backlog is on disk),
 *   and V8's first old-generation limits are set from it, so incremental marking started
 *   again soon after every mark-compact: 35 per 1.2M records. `--initial-old-space-size=128`
 *   cut that to 13 and raised throughput by 7–16% (in the 512 MiB container, with the
 *   DaemonSet's `--max-old-space-size=384`: 94,000, from 46,000).
 * They must be on the command line: V8 reads them when it creates the heap (set at run time
 * with v8.setFlagsFromString they changed nothing), and Node refuses
 * `--initial-old-space-size` in NODE_OPTIONS.
 */
export const SIDECAR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32', '--initial-old-space-size=128', '--no-allocation-site-pretenuring'];
