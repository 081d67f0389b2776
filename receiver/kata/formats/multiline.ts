/**
 * Records recombined from several physical lines by recombine.ts: Go panics and
 * goroutine dumps, and Rust errors (anyhow `Caused by:` chains, panics, backtraces).
 */
import { Severity } from '../../../pdata/log-record';
import type { ParseContext } from '../context';
import type { Draft } from '../draft';
import { markDamaged, setAttr, setSeverity } from '../draft';
import { K } from '../keys';
import { agentRpc } from './json';

const GO_PANIC = /^(panic|fatal error): (.*)/;
const GOROUTINE = /^goroutine \d{1,12} \[/;
const KATA_FRAMES = /kata-containers|containerd-shim-kata|virtcontainers/;

export function parseGoPanic(d: Draft, text: string, ctx: ParseContext): boolean {
  // `panic: `, `fatal error: ` or `goroutine `: other text is ruled out without the expressions.
  const c = text.charCodeAt(0);
  if (c !== 112 /* p */ && c !== 102 /* f */ && c !== 103 /* g */) return false;
  const m = GO_PANIC.exec(text);
  const nl = text.indexOf('\n');
  if (m === null) {
    // The dump went on after another writer's line cut it from its `panic:` line.
    if (!GOROUTINE.test(text)) return false;
    d.format = 'go-panic';
    d.record.body = text;
    setAttr(d, K.EXCEPTION_STACKTRACE, text);
    markDamaged(d, 'partial', 'goroutine dump without its panic line');
  } else {
    d.format = 'go-panic';
    d.record.body = text;
    d.record.eventName = 'kata.runtime.panic';
    setSeverity(d, m[1] === 'panic' ? Severity.FATAL2 : Severity.FATAL, m[1]!);
    setAttr(d, K.EXCEPTION_TYPE, m[1] === 'panic' ? 'go.panic' : 'go.fatal_error');
    setAttr(d, K.EXCEPTION_MESSAGE, nl < 0 ? m[2]! : m[2]!.slice(0, nl - m[1]!.length - 2));
    if (nl >= 0) setAttr(d, K.EXCEPTION_STACKTRACE, text.slice(nl + 1));
  }
  // A panic under containerd's identifier is still the shim's stderr when it names Kata frames.
  if (ctx.identifier === 'kata' || KATA_FRAMES.test(text)) d.component = 'runtime';
  else if (ctx.identifier === 'containerd') d.component = 'container-manager';
  return true;
}

const RUST_PANIC = /^thread '([^'\n]{0,128})' panicked at ([^\n]{0,1024})/;

/**
 * `Error: <msg>\n\nCaused by:\n    0: ...` (anyhow's report, also the message of runtime-rs
 * errors) and `thread 'main' panicked at src/x.rs:1:2:\n<msg>` with an optional backtrace.
 */
export function parseRustErrorChain(d: Draft, text: string): boolean {
  const panic = RUST_PANIC.exec(text);
  if (panic !== null) {
    d.format = 'rust-error';
    d.record.body = text;
    setSeverity(d, Severity.FATAL, '');
    setAttr(d, K.EXCEPTION_TYPE, 'rust.panic');
    const nl = text.indexOf('\n');
    const rest = nl < 0 ? '' : text.slice(nl + 1);
    const bt = rest.indexOf('stack backtrace:');
    setAttr(d, K.EXCEPTION_MESSAGE, (bt < 0 ? rest : rest.slice(0, bt)).trim() || panic[0]);
    if (bt >= 0) setAttr(d, K.EXCEPTION_STACKTRACE, rest.slice(bt));
    agentRpc(d, text);
    return true;
  }
  const caused = text.indexOf('\nCaused by:');
  if (caused < 0) return false;
  d.format = 'rust-error';
  d.record.body = text;
  setSeverity(d, Severity.ERROR, '');
  const head = text.slice(0, caused).trimEnd();
  setAttr(d, K.EXCEPTION_MESSAGE, head.startsWith('Error: ') ? head.slice(7) : head);
  setAttr(d, K.EXCEPTION_STACKTRACE, text.slice(caused + 1));
  agentRpc(d, text);
  return true;
}
