/**
 * Bearer-token authentication for both transports (`authorization: Bearer <token>`, the
 * header the OpenTelemetry exporters send through `headers` / gRPC metadata).
 *
 * The comparison is constant-time: both tokens are hashed with SHA-256 and the digests
 * compared with timingSafeEqual, so neither the content nor the length of the expected token
 * leaks through timing. The token is never logged or put in an error message.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AuthConfig } from './config';

const BEARER = /^Bearer[ \t]+(\S.*)$/i;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class BearerAuth {
  private readonly expected: Buffer;

  private constructor(token: string) {
    this.expected = digest(token);
  }

  /** Reads the token (from the config or its file). Rejects with a message naming the file, not its content. */
  static async load(config: AuthConfig): Promise<BearerAuth> {
    if (config.bearer_token !== undefined) return new BearerAuth(config.bearer_token);
    const file = config.bearer_token_file!;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read bearer_token_file ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const token = text.trim();
    if (token === '') throw new Error(`bearer_token_file ${JSON.stringify(file)} is empty`);
    return new BearerAuth(token);
  }

  /** True when the `authorization` header value carries the expected token. */
  check(authorization: string | undefined): boolean {
    if (authorization === undefined) return false;
    const m = BEARER.exec(authorization.trim());
    if (m === null) return false;
    return timingSafeEqual(digest(m[1]!), this.expected);
  }
}
