/**
 * Records recombined from several physical lines by recombine.ts: Go panics and
 * goroutine dumps, and Rust error chains (`Caused by:`, backtraces).
 */
import { Severity } from '../../../pdata/log-record';
import type { ParseContext } from '../context';
import type { Draft } from '../draft';
import { setSeverity } from '../draft';
import { K } from '../keys';

const GO_PANIC = /^(panic|fatal error): (.*)/;

export function parseGoPanic(d: Draft, text: string, ctx: ParseContext): boolean {
  const m = GO_PANIC.exec(text);
  if (m === null) return false;
  d.format = 'go-panic';
  const nl = text.indexOf('\n');
  const message = nl < 0 ? m[2]! : m[2]!.slice(0, nl - m[1]!.length - 2);
  d.record.body = text;
  d.record.eventName = 'kata.runtime.panic';
  setSeverity(d, m[1] === 'panic' ? Severity.FATAL2 : Severity.FATAL, m[1]!);
  d.attrs[K.EXCEPTION_TYPE] = m[1] === 'panic' ? 'go.panic' : 'go.fatal_error';
  d.attrs[K.EXCEPTION_MESSAGE] = message;
  if (nl >= 0) d.attrs[K.EXCEPTION_STACKTRACE] = text.slice(nl + 1);
  // A panic under containerd's identifier is still the shim's stderr when it names Kata frames.
  if (ctx.identifier === 'kata' || /kata-containers|containerd-shim-kata|virtcontainers/.test(text)) d.component = 'runtime';
  else if (ctx.identifier === 'containerd') d.component = 'container-manager';
  return true;
}

export function parseRustErrorChain(d: Draft, text: string): boolean {
  const caused = text.indexOf('\nCaused by:');
  if (caused < 0) return false;
  d.format = 'rust-error';
  d.record.body = text;
  setSeverity(d, Severity.ERROR, '');
  d.attrs[K.EXCEPTION_MESSAGE] = text.slice(0, caused);
  d.attrs[K.EXCEPTION_STACKTRACE] = text.slice(caused + 1);
  return true;
}
