/**
 * Errors that cross component boundaries. A consumer that rejects with a PermanentError
 * says "this data will never be accepted" (bad input: do not retry, count it as rejected);
 * any other rejection is retryable, as in the OpenTelemetry Collector's consumererror.
 * Codes are stable (`KO_ERR_*`) so logs and tests can match them.
 */
export class KataOtelError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KataOtelError';
  }
}

/** Data that will never be accepted; retrying it is pointless. */
export class PermanentError extends KataOtelError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'PermanentError';
  }
}

/** Try again later; `retryAfterMs` carries a server's throttling hint when it gave one. */
export class RetryableError extends KataOtelError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'RetryableError';
  }
}

/** True when `err` or any error in its `cause` chain is permanent. */
export function isPermanent(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof PermanentError) return true;
  }
  return false;
}
