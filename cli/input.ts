/**
 * Opening the inputs of `parse` and feeding their chunks to readLines through a tap that
 * gives the command its hooks: back-pressure from the output, per-chunk bookkeeping
 * (observed time, progress), an idle timer for live input, and an early stop (signal,
 * closed output).
 */
import { promises as fsp, fstatSync } from 'node:fs';
import { Readable } from 'node:stream';

export interface OpenedInput {
  /** As given on the command line; '' for stdin. */
  path: string;
  stream: Readable;
  /** Size in bytes for a regular file, else 0. */
  size: number;
  /** Last modification time of a regular file (reference clock for year-less dates). */
  mtimeMs: number | undefined;
  /** Input that can stay open and pause (a pipe, terminal or socket on stdin). */
  live: boolean;
}

export const CHUNK_BYTES = 1 << 18;

/** Opens a file; rejects with an error whose message says why it cannot be read. */
export async function openFile(path: string): Promise<OpenedInput> {
  const fh = await fsp.open(path, 'r');
  try {
    const st = await fh.stat();
    if (st.isDirectory()) {
      const err = new Error('is a directory') as NodeJS.ErrnoException;
      err.code = 'EISDIR';
      throw err;
    }
    const stream = fh.createReadStream({ highWaterMark: CHUNK_BYTES, autoClose: true });
    return { path, stream, size: st.isFile() ? st.size : 0, mtimeMs: st.isFile() ? st.mtimeMs : undefined, live: !st.isFile() };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

export function openStdin(stdin: Readable & { fd?: number }): OpenedInput {
  let isFile = false;
  let size = 0;
  let mtimeMs: number | undefined;
  try {
    const st = fstatSync(stdin.fd ?? 0);
    isFile = st.isFile();
    if (isFile) {
      size = st.size;
      mtimeMs = st.mtimeMs;
    }
  } catch {
    // fd 0 closed: reading yields nothing.
  }
  return { path: '', stream: stdin, size, mtimeMs, live: !isFile };
}

/** "no such file or directory" from "ENOENT: no such file or directory, open 'x'". */
export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const m = /^[A-Z][A-Z0-9_]+: ([^,]+)/.exec(e?.message ?? '');
  if (m !== null) return `${m[1]} (${e.code ?? 'error'})`;
  if (e?.code !== undefined && e.message !== undefined) return `${e.message} (${e.code})`;
  return String(e?.message ?? err);
}

export interface TapHooks {
  /** Awaited before each read: resolves when the output can take more. */
  beforeRead(): Promise<void>;
  /** Each chunk, before readLines sees it. */
  onChunk(bytes: number): void;
  /** Aborted when reading should end early (signal, closed output), even mid-wait. */
  stop: AbortSignal;
  /** For live input: called after `idleMs` without new input. */
  onIdle?: () => void;
  idleMs?: number;
}

const DONE: IteratorResult<Buffer> = { done: true, value: undefined };

/**
 * The next chunk, or DONE as soon as `stop` aborts. The abort listener is removed after
 * each read: a reaction left on a long-lived promise (Promise.race) would keep every chunk
 * alive until the end of the input.
 */
function nextOrStop(it: AsyncIterator<Buffer>, stop: AbortSignal): Promise<IteratorResult<Buffer>> {
  if (stop.aborted) return Promise.resolve(DONE);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(DONE);
    stop.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (r) => {
        stop.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (err: unknown) => {
        stop.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * The chunks of `source`, passed through the hooks. The returned stream reads at most
 * one chunk ahead, so back-pressure reaches the source.
 */
export function tap(source: Readable, hooks: TapHooks): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        if (hooks.stop.aborted) return;
        await hooks.beforeRead();
        if (hooks.stop.aborted) return;
        const onIdle = hooks.onIdle;
        const timer = onIdle !== undefined ? setTimeout(onIdle, hooks.idleMs ?? 500) : undefined;
        let r: IteratorResult<Buffer>;
        try {
          r = await nextOrStop(it, hooks.stop);
        } finally {
          if (timer !== undefined) clearTimeout(timer);
        }
        if (r.done === true) return;
        const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
        hooks.onChunk(chunk.length);
        yield chunk;
      }
    } finally {
      // Closes a file; for stdin it ends reading, which is what an early stop wants.
      if (hooks.stop.aborted) source.destroy();
      else it.return?.()?.catch(() => undefined);
    }
  }
  return Readable.from(chunks(), { objectMode: true, highWaterMark: 1 });
}
