/**
 * One OTLP/HTTP export attempt: POST of the binary request (Content-Type
 * application/x-protobuf) or its OTLP/JSON form (application/json), optionally gzipped,
 * over a keep-alive agent (https with the configured CA and client certificate for mTLS).
 * The answer is classified by outcome.ts; a 2xx body is read for partial success in the
 * encoding the server answered with.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { SCOPE_VERSION } from '../helper/logs-encoding';
import type { SendOutcome } from '../helper/outcome';
import { classifyHttpFailure } from '../helper/outcome';
import type { ExporterSender } from '../helper/queued-exporter';
import type { Signal } from '../helper/signals';
import type { OtlpHttpExporterConfig } from './config';
import { signalUrl } from './config';

const gzip = promisify(gzipCb);

/** Response bodies beyond this are not read (the spec asks servers to stay under 4 MiB). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class HttpSender implements ExporterSender {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly cfg: OtlpHttpExporterConfig,
    private readonly signal: Signal,
  ) {
    const url = signalUrl(cfg, signal);
    if (url === undefined) throw new Error(`no ${signal.name} endpoint configured`);
    this.url = url;
    if (url.protocol === 'https:') {
      const read = (f: string | undefined): Buffer | undefined => (f === undefined ? undefined : readFileSync(f));
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 4,
        ca: read(cfg.tls.ca_file),
        cert: read(cfg.tls.cert_file),
        key: read(cfg.tls.key_file),
        rejectUnauthorized: !cfg.tls.insecure_skip_verify,
        ...(cfg.tls.server_name_override !== undefined ? { servername: cfg.tls.server_name_override } : {}),
      });
      this.request = https.request;
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      this.request = http.request;
    }
    this.headers = {
      ...cfg.headers,
      'content-type': cfg.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      'user-agent': `kata-otel/${SCOPE_VERSION}`,
    };
    if (cfg.compression === 'gzip') this.headers['content-encoding'] = 'gzip';
  }

  get endpoint(): string {
    return `${this.url.origin}${this.url.pathname}`;
  }

  async send(payload: Buffer, _items: number): Promise<SendOutcome> {
    let body: Buffer;
    try {
      body = this.cfg.encoding === 'json' ? Buffer.from(this.signal.toJson(payload), 'utf8') : payload;
      if (this.cfg.compression === 'gzip') body = await gzip(body);
    } catch (err) {
      // The queued bytes do not decode: no server will ever take them.
      return { kind: 'permanent', error: new Error(`cannot encode the queued request: ${(err as Error).message}`) };
    }
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const done = (o: SendOutcome): void => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(o);
        }
      };
      const req = this.request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headers, 'content-length': String(body.length) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        });
        res.on('error', (err) => done({ kind: 'retryable', error: err }));
        res.on('end', () => done(this.outcome(res, Buffer.concat(chunks))));
      });
      const timer = setTimeout(() => {
        const err = new Error(`no answer within ${this.cfg.timeout} ms`);
        done({ kind: 'retryable', error: err });
        req.destroy(err);
      }, this.cfg.timeout);
      req.on('error', (err) => done({ kind: 'retryable', error: err }));
      req.end(body);
    });
  }

  private outcome(res: http.IncomingMessage, body: Buffer): SendOutcome {
    const status = res.statusCode ?? 0;
    const contentType = res.headers['content-type'];
    if (status >= 200 && status < 300) {
      if (body.length === 0) return { kind: 'success', rejected: 0, message: '' };
      try {
        const ps = contentType?.includes('json') === true
          ? this.signal.partialFromJson(JSON.parse(body.toString('utf8')))
          : this.signal.partialFromProto(body);
        return { kind: 'success', rejected: ps.rejected, message: ps.message };
      } catch {
        return { kind: 'success', rejected: 0, message: '' };
      }
    }
    const retryAfter = res.headers['retry-after'];
    return classifyHttpFailure(status, contentType, body, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  }

  async shutdown(): Promise<void> {
    this.agent.destroy();
  }
}
