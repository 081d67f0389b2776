/**
 * runtime-rs (the Kata 3.x Rust shim) logs other programs' lines inside its own messages:
 * agent JSON read from the vsock log port, guest console lines as
 * `vm console: "<Rust Debug string>"`, and Rust virtiofsd output as `source: virtiofsd <line>`.
 * Up to 3.19 such a message is the `msg` of a runtime-rs slog JSON record; from 3.20 it is
 * the whole journald MESSAGE under the identifier `kata`. Either way the inner line is
 * parsed as its own record and runtime-rs becomes the relay.
 */
import type { ParseContext } from '../context';
import { MAX_DEPTH, nested } from '../context';
import type { Draft } from '../draft';
import { beginRelay, endRelay, markDamaged } from '../draft';
import { unquoteRustDebug } from '../unquote';

export const VM_CONSOLE_TAG = 'vm console: ';
export const VIRTIOFSD_TAG = 'source: virtiofsd ';

/** The console line inside `vm console: "..."`, unescaped, without the console's trailing CR. */
export function vmConsoleLine(d: Draft, message: string): string {
  const u = unquoteRustDebug(message.slice(VM_CONSOLE_TAG.length));
  if (!u.clean) markDamaged(d, 'partial', 'vm console text is not a complete Rust string');
  const v = u.value;
  return v.charCodeAt(v.length - 1) === 13 ? v.slice(0, -1) : v;
}

/**
 * Parses the line a runtime-rs message carries, when it carries one; returns false for an
 * ordinary message. The draft's current format and component describe the wrapper.
 */
export function relayRuntimeRsMessage(d: Draft, message: string, ctx: ParseContext): boolean {
  const c = message.charCodeAt(0);
  let inner: string;
  let inConsole: boolean;
  if (c === 123 /* { */) {
    inner = message;
    inConsole = true;
  } else if (c === 118 /* v */ && message.startsWith(VM_CONSOLE_TAG)) {
    inner = vmConsoleLine(d, message);
    inConsole = true;
  } else if (c === 115 /* s */ && message.startsWith(VIRTIOFSD_TAG)) {
    inner = message.slice(VIRTIOFSD_TAG.length);
    inConsole = false;
  } else {
    return false;
  }
  if (ctx.depth >= MAX_DEPTH) {
    d.record.body = inner;
    return true;
  }
  const saved = beginRelay(d);
  ctx.dispatch(d, inner, nested(ctx, inConsole));
  endRelay(d, saved);
  if (!inConsole && (d.component === 'runtime-rs' || d.component === 'unknown')) {
    // virtiofsd text no format claimed is still virtiofsd's.
    d.component = 'virtiofsd';
    d.service = '';
  }
  return true;
}
