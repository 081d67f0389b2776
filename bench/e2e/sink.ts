/**
 * The OTLP/gRPC sink of the end-to-end benchmark (bench/e2e/run.ts), a process of its own
 * so the sidecar's CPU time is measured alone. Started with an IPC channel:
 *
 *   sink → parent  { type: 'ready', port }
 *   parent → sink  { cmd: 'stats' }   → { type: 'stats', ... } (see SinkStats)
 *                  { cmd: 'down' }    close the listener and every connection (refused)
 *                  { cmd: 'up' }      listen again on the same port
 *                  { cmd: 'reset' }   zero the counters and forget probes
 *                  { cmd: 'exit' }
 *
 * It speaks gRPC over node:http2 directly (unary LogsService/Export, identity or gzip
 * messages, every request answered OK) rather than through grpc-js, because grpc-js
 * servers keep HTTP/2's 64 KiB flow-control window: a 1 MiB request then needs a dozen
 * WINDOW_UPDATE round trips, each waiting for a turn of the sidecar's busy event loop,
 * which would measure the sink rather than the sidecar. This sink advertises 16 MiB
 * windows, as an OpenTelemetry Collector's grpc-go server reaches with its BDP estimator.
 *
 * Log records are counted by walking the protobuf (the ExportLogsServiceRequest →
 * ResourceLogs → ScopeLogs → LogRecord nesting, nothing decoded), so the sink keeps up on
 * one core; the first requests are also decoded with kata-otel's codec
 * (pdata/otlp/codec.ts) and the two counts must agree. Probe records (body
 * `kata-otel-probe <ns>`, written with process.hrtime.bigint(), a clock all processes of
 * the machine share) are timed on arrival; a body `kata-otel-bench-end <id>` marks the end
 * of a stream.
 */
import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeExportLogsRequest } from '../../pdata/otlp/codec';
import { LOGS_EXPORT_METHOD_PATH } from '../../pdata/otlp/schema';

export const PROBE = 'kata-otel-probe ';
export const END = 'kata-otel-bench-end ';

export interface SinkStats {
  type: 'stats';
  records: number;
  requests: number;
  /** Protobuf bytes after decompression, and gRPC message bytes as received. */
  bytes: number;
  wireBytes: number;
  /** hrtime (ns, decimal) of the first and last request since the last reset; '0' if none. */
  firstNs: string;
  lastNs: string;
  /** [written ns, arrived ns] of each probe seen since the last reset (first arrival). */
  probes: Array<[string, string]>;
  /** End markers seen: id → arrival ns. */
  ends: Record<string, string>;
  /** Requests whose walked count was checked against the codec, and disagreements. */
  verified: number;
  mismatches: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

const VERIFY_FIRST = 20;

function varint(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, pos];
    shift += 7;
    if (shift > 63) throw new Error('bad varint');
  }
}

/** Calls `onField(field, start, end)` for each length-delimited field of the message in [pos, end). */
function eachLenField(buf: Buffer, pos: number, end: number, onField: (field: number, start: number, end: number) => void): void {
  while (pos < end) {
    let tag: number;
    [tag, pos] = varint(buf, pos);
    const wire = tag & 7;
    const field = Math.floor(tag / 8);
    if (wire === 2) {
      let len: number;
      [len, pos] = varint(buf, pos);
      onField(field, pos, pos + len);
      pos += len;
    } else if (wire === 0) {
      [, pos] = varint(buf, pos);
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

const MARK = Buffer.from('kata-otel-');

/**
 * Log records in an ExportLogsServiceRequest, without decoding them; `onMarked` gets the
 * text body of each record whose body starts with `kata-otel-` (probes and end markers).
 */
export function countLogRecords(buf: Buffer, onMarked?: (body: string) => void): number {
  let n = 0;
  eachLenField(buf, 0, buf.length, (f1, s1, e1) => {
    if (f1 !== 1) return; // resource_logs
    eachLenField(buf, s1, e1, (f2, s2, e2) => {
      if (f2 !== 2) return; // scope_logs
      eachLenField(buf, s2, e2, (f3, s3, e3) => {
        if (f3 !== 2) return; // log_records
        n++;
        if (onMarked === undefined) return;
        eachLenField(buf, s3, e3, (f4, s4, e4) => {
          if (f4 !== 5) return; // body (AnyValue)
          eachLenField(buf, s4, e4, (f5, s5, e5) => {
            // string_value
            if (f5 === 1 && e5 - s5 >= MARK.length && buf.compare(MARK, 0, MARK.length, s5, s5 + MARK.length) === 0) onMarked(buf.toString('utf8', s5, e5));
          });
        });
      });
    });
  });
  return n;
}

const WINDOW = 16 * 1024 * 1024;
const GRPC_OK_BODY = Buffer.alloc(5); // uncompressed, zero-length ExportLogsServiceResponse

function main(): void {
  let server: http2.Http2Server | undefined;
  const sockets = new Set<Socket>();
  let port = Number(process.argv[2] ?? 0);
  let stats = fresh();
  let seenProbes = new Set<string>();

  function fresh(): Omit<SinkStats, 'type' | 'cpuUserUs' | 'cpuSystemUs'> {
    return { records: 0, requests: 0, bytes: 0, wireBytes: 0, firstNs: '0', lastNs: '0', probes: [], ends: {}, verified: 0, mismatches: 0 };
  }

  function answer(stream: http2.ServerHttp2Stream, status: number, message: string): void {
    if (stream.destroyed) return;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status), 'grpc-message': encodeURIComponent(message) }));
    stream.end(status === 0 ? GRPC_OK_BODY : undefined);
  }

  function onExport(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer): void {
    const now = process.hrtime.bigint().toString();
    if (body.length < 5) return answer(stream, 13, 'no gRPC message');
    const compressed = body[0] === 1;
    const len = body.readUInt32BE(1);
    let buf = body.subarray(5, 5 + len);
    if (compressed) {
      if (headers['grpc-encoding'] !== 'gzip') return answer(stream, 12, `unsupported grpc-encoding ${String(headers['grpc-encoding'])}`);
      buf = gunzipSync(buf);
    }
    const marked: string[] = [];
    let n: number;
    try {
      n = countLogRecords(buf, (b) => marked.push(b));
    } catch (err) {
      return answer(stream, 3, (err as Error).message);
    }
    if (stats.verified < VERIFY_FIRST) {
      stats.verified++;
      let decoded = 0;
      for (const rl of decodeExportLogsRequest(buf).resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) decoded += sl.logRecords?.length ?? 0;
      if (decoded !== n) stats.mismatches++;
    }
    stats.records += n;
    stats.requests++;
    stats.bytes += buf.length;
    stats.wireBytes += len;
    if (stats.firstNs === '0') stats.firstNs = now;
    stats.lastNs = now;
    for (const b of marked) {
      if (b.startsWith(PROBE)) {
        const sent = b.slice(PROBE.length);
        if (!seenProbes.has(sent)) {
          seenProbes.add(sent);
          stats.probes.push([sent, now]);
        }
      } else if (b.startsWith(END)) {
        stats.ends[b.slice(END.length)] ??= now;
      }
    }
    answer(stream, 0, '');
  }

  async function up(): Promise<void> {
    if (server !== undefined) return;
    const s = http2.createServer({ settings: { initialWindowSize: WINDOW, maxFrameSize: 1 << 20 } });
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    s.on('session', (session) => session.setLocalWindowSize(WINDOW));
    s.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', () => undefined);
      stream.on('end', () => {
        if (headers[':path'] !== LOGS_EXPORT_METHOD_PATH) return answer(stream, 12, `unknown method ${String(headers[':path'])}`);
        onExport(stream, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  function down(): void {
    server?.close();
    server = undefined;
    for (const sock of sockets) sock.destroy();
  }

  process.on('message', (msg: { cmd: string }) => {
    void (async () => {
      switch (msg.cmd) {
        case 'stats': {
          const cpu = process.cpuUsage();
          process.send!({ type: 'stats', ...stats, cpuUserUs: cpu.user, cpuSystemUs: cpu.system } satisfies SinkStats);
          return;
        }
        case 'down':
          down();
          process.send!({ type: 'down' });
          return;
        case 'up':
          await up();
          process.send!({ type: 'up', port });
          return;
        case 'reset':
          stats = fresh();
          seenProbes = new Set();
          process.send!({ type: 'reset' });
          return;
        case 'exit':
          down();
          process.exit(0);
      }
    })().catch((err: unknown) => {
      process.stderr.write(`sink: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
  up().then(() => process.send!({ type: 'ready', port }), (err: unknown) => {
    process.stderr.write(`sink: cannot listen: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

if (require.main === module) main();
