/**
 * Go logrus records: the logfmt `TextFormatter` layout (Kata Go runtime, kata-monitor,
 * containerd, CRI-O, Kata 1.x) and the coloured TTY layout (`INFO[0005] msg   k=v`).
 * Records that carry another component's text (vmconsole=, kata-proxy relays,
 * firecracker contents=, virtiofsd and QEMU stderr) hand it to the dispatcher.
 */
import { parseTimestamp } from '../../../pdata/time';
import type { ParseContext } from '../context';
import { MAX_DEPTH, nested } from '../context';
import type { Draft } from '../draft';
import { beginRelay, endRelay, getAttr, hasAttr, markDamaged, setAttr, setHypervisor, setSeverity } from '../draft';
import { applyFieldHashed, fieldKey } from '../fields';
import { K } from '../keys';
import { logfmtScratch, scanLogfmtInto } from '../logfmt';
import { severityFromLevel } from '../severity';
import { stripAnsi } from '../unquote';
import { flatJsonScratch } from './flat-json';
import { agentRpc, relayEscapedJson } from './json';

/** Sources of the Go runtime's own packages. */
function isRuntimeSource(source: string): boolean {
  switch (source) {
    case 'virtcontainers':
    case 'virtcontainers/hypervisor':
    case 'containerd-kata-shim-v2':
    case 'katautils':
    case 'agent-client':
    case 'runtime':
      return true;
    default:
      return false;
  }
}

/**
 * NAME_COMPONENT[name]; the common names compared directly, which computes no hash of the
 * name (read from the line, it has none yet).
 */
function nameComponent(name: string): Draft['component'] | undefined {
  switch (name) {
    case 'containerd-shim-v2': return 'runtime';
    case 'kata-runtime': return 'runtime';
    case 'kata-agent': return 'agent';
    default: return NAME_COMPONENT[name];
  }
}
const NAME_COMPONENT: Record<string, Draft['component']> = {
  'containerd-shim-v2': 'runtime',
  'kata-runtime': 'runtime',
  'kata-proxy': 'legacy-proxy',
  'kata-shim': 'legacy-shim',
  'kata-agent': 'agent',
  'kata-monitor': 'kata-monitor',
};
const IDENT_COMPONENT: Record<string, Draft['component']> = {
  kata: 'runtime',
  'kata-runtime': 'runtime',
  'kata-proxy': 'legacy-proxy',
  'kata-shim': 'legacy-shim',
  'kata-agent': 'agent',
  'kata-monitor': 'kata-monitor',
  containerd: 'container-manager',
  crio: 'container-manager',
  kubelet: 'container-manager',
  'containerd-nydus-grpc': 'container-manager',
  virtiofsd: 'virtiofsd',
};

const FIELD_APP = fieldKey('app');
const FIELD_RUNTIME = fieldKey('runtime');
const FIELD_VMCONSOLE = fieldKey('vmconsole');
const FIELD_CONTENTS = fieldKey('contents');
const FIELD_DAEMON = fieldKey('daemon');

/** Decides the component of a logrus record from its own fields first, then the envelope. */
function logrusComponent(d: Draft, ctx: ParseContext): void {
  const name = getAttr(d, K.LOGGER_NAME);
  const source = getAttr(d, K.SOURCE);
  const byName = typeof name === 'string' ? nameComponent(name) : undefined;
  if (byName !== undefined) {
    d.component = byName;
    if (name === 'kata-runtime') d.service = 'kata-runtime';
    return;
  }
  if (typeof source === 'string') {
    if (isRuntimeSource(source) || source.startsWith('virtcontainers')) return void (d.component = 'runtime');
    if (source === 'kata-monitor') return void (d.component = 'kata-monitor');
    if (source === 'proxy') return void (d.component = 'legacy-proxy');
    if (source === 'shim') return void (d.component = 'legacy-shim');
    if (source === 'agent') return void (d.component = 'agent');
  }
  if (getAttr(d, FIELD_APP) === 'kata-monitor') return void (d.component = 'kata-monitor');
  // Records of containerd's shim library run inside the Kata shim process.
  const runtime = getAttr(d, FIELD_RUNTIME);
  if (typeof runtime === 'string' && runtime.includes('kata')) {
    return void (d.component = 'runtime');
  }
  if (hasAttr(d, K.SANDBOX_ID) && IDENT_COMPONENT[ctx.identifier] !== 'container-manager') {
    return void (d.component = 'runtime');
  }
  if (hasAttr(d, K.CODE_FILE_PATH)) {
    d.component = 'container-manager';
    d.service = ctx.identifier || 'crio';
    return;
  }
  const byIdent = IDENT_COMPONENT[ctx.identifier];
  if (byIdent !== undefined) {
    d.component = byIdent;
    if (byIdent === 'container-manager') d.service = ctx.identifier;
  }
}

export function parseLogfmtRecord(d: Draft, text: string, ctx: ParseContext): void {
  const res = logfmtScratch(ctx.depth);
  const count = scanLogfmtInto(text, 0, res, flatJsonScratch(ctx.depth + 1));
  if (res.named && ctx.depth === 0) d.selfDescribed = true;
  d.format = 'logfmt';
  if (!res.clean) markDamaged(d, 'partial', res.unterminated ? 'unterminated quoted value' : 'malformed logfmt');
  const p = res.pairs;
  const hashes = res.hashes;
  let time = '';
  let level = '';
  let msg = '';
  let vmconsole = '';
  let vmconsoleAt = -1;
  let contents = '';
  for (let i = 0; i < 2 * count; i += 2) {
    const key = p[i]!;
    const value = p[i + 1]!;
    switch (key) {
      case 'time': time = value; break;
      case 'level': level = value; break;
      // Set now: field handlers read the message (containerd's id= is a sandbox only in shim records).
      case 'msg': msg = value; d.record.body = value; break;
      case 'vmconsole': vmconsole = value; vmconsoleAt = i >> 1; break;
      case 'contents': contents = value; break;
      default: applyFieldHashed(d, key, hashes[i >> 1]!, value);
    }
  }
  // Agent JSON read in place: vmconsole holds it still escaped, not empty, until it is relayed.
  const inner = vmconsoleAt >= 0 && vmconsoleAt === res.nestedAt ? flatJsonScratch(ctx.depth + 1) : null;
  if (inner !== null) vmconsole = text.slice(res.rawStart, res.rawEnd);
  d.record.body = msg;
  if (time !== '') {
    d.timeText = time;
    const ns = parseTimestamp(time);
    if (ns === '') markDamaged(d, 'partial', 'unparseable time');
    else d.record.timeUnixNano = ns;
  }
  if (level !== '') setSeverity(d, severityFromLevel(level), level);
  if (count === 0) markDamaged(d, 'failed', 'no logfmt fields');
  logrusComponent(d, ctx);
  // Only the Go runtime's console watcher writes vmconsole= (a record trimmed down to it included).
  if (vmconsole !== '' && d.component === 'unknown') d.component = 'runtime';
  agentRpc(d, msg);
  const error = getAttr(d, K.EXCEPTION_MESSAGE);
  if (typeof error === 'string') agentRpc(d, error);
  const subsystem = getAttr(d, K.SUBSYSTEM);
  if (d.component === 'runtime' && subsystem === 'cloudHypervisor') setHypervisor(d, 'cloud-hypervisor');
  if (ctx.depth >= MAX_DEPTH) {
    // Too deep to decode again: keep the carried text as it is.
    if (vmconsole !== '') setAttr(d, FIELD_VMCONSOLE, inner !== null ? (JSON.parse('"' + vmconsole + '"') as string) : vmconsole);
    if (contents !== '') setAttr(d, FIELD_CONTENTS, contents);
    return;
  }

  const source = getAttr(d, K.SOURCE);
  if (inner !== null) {
    relayEscapedJson(d, inner, vmconsole, ctx);
  } else if (vmconsole !== '') {
    relay(d, vmconsole, nested(ctx, true));
  } else if (d.component === 'legacy-proxy' && source === 'agent' && msg !== '') {
    // kata-proxy relayed the 1.x agent's own logfmt, or a guest console line, with a trailing "\n".
    const inner = msg.endsWith('\n') ? msg.slice(0, -1) : msg;
    relay(d, inner, nested(ctx, !inner.startsWith('time=')));
  } else if (contents !== '') {
    setAttr(d, FIELD_CONTENTS, contents);
    if (subsystem === 'firecracker') relay(d, contents, nested(ctx, false));
  } else if (source === 'virtiofsd' && d.component === 'runtime') {
    relay(d, msg, nested(ctx, false));
    if ((d.component as string) === 'unknown' || (d.format as string) === 'text') {
      d.component = 'virtiofsd';
      d.service = '';
    }
  } else if (msg.startsWith('qemu-') && subsystem === 'qemu') {
    relay(d, msg, nested(ctx, false));
  }
}

/** Parses `inner` as the record carried by the current one; the wrapper's time and level move to kata.relay.*. */
function relay(d: Draft, inner: string, ctx: ParseContext): void {
  const saved = beginRelay(d);
  ctx.dispatch(d, inner, ctx);
  endRelay(d, saved);
}

/** First letters of the levels TTY accepts. */
const TTY_FIRST = new Set([...'TDIWEFP'].map((ch) => ch.charCodeAt(0)));
const TTY = /^(TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[([^\]]{1,40})\] ?/;
const TTY_FIELD = /\s[A-Za-z_][\w.-]{0,64}=/g;

/** logrus on a terminal: `LEVL[elapsed or time] message padded to 44 columns  k=v ...`. */
export function parseLogrusTty(d: Draft, text: string, ctx: ParseContext): boolean {
  // Text that opens with neither an escape (colour) nor a level's first letter is not this.
  const c = text.charCodeAt(0);
  if (c !== 27 && !TTY_FIRST.has(c)) return false;
  const plain = stripAnsi(text);
  const m = TTY.exec(plain);
  if (m === null) return false;
  d.format = 'logrus-tty';
  setSeverity(d, severityFromLevel(m[1]!), m[1]!);
  const stamp = m[2]!;
  let fullTime = false;
  if (!/^\d+$/.test(stamp)) {
    const ns = parseTimestamp(stamp);
    if (ns !== '') {
      d.record.timeUnixNano = ns;
      d.timeText = stamp;
      fullTime = true;
    }
  }
  const rest = plain.slice(m[0].length);
  TTY_FIELD.lastIndex = Math.min(43, Math.max(0, rest.length - 1));
  const f = TTY_FIELD.exec(rest);
  const message = (f === null ? rest : rest.slice(0, f.index)).trimEnd();
  d.record.body = message;
  if (f !== null) {
    const res = logfmtScratch(ctx.depth);
    const count = scanLogfmtInto(rest, f.index + 1, res);
    if (!res.clean) markDamaged(d, 'partial', 'malformed logfmt fields');
    for (let i = 0; i < count; i++) applyFieldHashed(d, res.pairs[2 * i]!, res.hashes[i]!, res.pairs[2 * i + 1]!);
  }
  logrusComponent(d, ctx);
  // A CLI that exits with logrus.Fatal (crictl, skopeo) prints its error this way, with no fields.
  const clientError = f === null && !fullTime && (m[1] === 'FATA' || m[1] === 'PANI');
  if (clientError) {
    d.format = 'client-error';
    setAttr(d, K.EXCEPTION_MESSAGE, message);
  }
  if (d.component === 'unknown') {
    if (ctx.inConsole) d.component = 'guest';
    else if (fullTime || hasAttr(d, FIELD_DAEMON)) {
      // Of the logrus TTY writers around Kata only the nydus snapshotter sets FullTimestamp.
      d.component = 'container-manager';
      d.service = 'nydus-snapshotter';
    } else if (clientError || /\brpc error\b|\bcontainer\b|\bsandbox\b|\bimage\b/.test(message)) {
      d.component = 'container-manager';
    }
  }
  return true;
}
