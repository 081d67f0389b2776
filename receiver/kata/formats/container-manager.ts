/**
 * What the container stack prints about Kata: klog (kubelet, crictl), client errors
 * (ctr, docker, kubelet events), and `kubectl describe` Events tables. These carry the
 * agent's errors (`... is blocked by policy`, vsock timeouts) to where users see them.
 */
import { Severity } from '../../../pdata/log-record';
import { nanosFromParts } from '../../../pdata/time';
import type { ParseContext } from '../context';
import type { Draft } from '../draft';
import { getAttr, markDamaged, setAttr, setSeverity } from '../draft';
import { applyFieldHashed } from '../fields';
import { K } from '../keys';
import { logfmtScratch, scanLogfmtInto } from '../logfmt';
import { findClosingQuote, goUnescape } from '../unquote';
import { agentRpc } from './json';

const KLOG = /^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{1,9})\s+(\d{1,10}) ([^\]\s]{1,256}):(\d{1,7})\] /;

const KLOG_SEVERITY = { I: Severity.INFO, W: Severity.WARN, E: Severity.ERROR, F: Severity.FATAL } as const;

let yearOfMillis = Number.NaN;
let yearOf = 0;

/** The UTC year of a clock reading; the reference clock rarely changes between records. */
function utcYear(ms: number): number {
  if (ms !== yearOfMillis) {
    yearOfMillis = ms;
    yearOf = new Date(ms).getUTCFullYear();
  }
  return yearOf;
}

/** klog: `E0411 14:39:23.063340  954779 remote_runtime.go:319] "msg" err="..."` (year not written). */
export function parseKlog(d: Draft, text: string, ctx: ParseContext): boolean {
  const c = text.charCodeAt(0);
  if (c !== 73 /* I */ && c !== 87 /* W */ && c !== 69 /* E */ && c !== 70 /* F */) return false;
  const m = KLOG.exec(text);
  if (m === null) return false;
  d.format = 'klog';
  d.component = 'container-manager';
  d.service = ctx.identifier || 'kubelet';
  setSeverity(d, KLOG_SEVERITY[m[1] as 'I'], m[1]!);
  let year = utcYear(ctx.refMillis);
  let ms = Date.UTC(year, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (ms > ctx.refMillis + 86_400_000) ms = Date.UTC(--year, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (!Number.isNaN(ms)) d.record.timeUnixNano = nanosFromParts(ms / 1000, m[7]!);
  d.timeText = text.slice(1, m[0].indexOf(' ', 6));
  setAttr(d, K.PROCESS_PID, Number(m[8]));
  setAttr(d, K.CODE_FILE_PATH, m[9]!);
  setAttr(d, K.CODE_LINE_NUMBER, Number(m[10]));
  let rest = text.slice(m[0].length);
  // Structured klog: a quoted message, then logfmt-like key="value" pairs.
  if (rest.startsWith('"')) {
    const close = findClosingQuote(rest, 1);
    if (close > 0) {
      d.record.body = goUnescape(rest.slice(1, close)).value;
      const fields = logfmtScratch(ctx.depth);
      const count = scanLogfmtInto(rest, close + 1, fields);
      if (!fields.clean) markDamaged(d, 'partial', 'malformed klog fields');
      for (let i = 0; i < count; i++) applyFieldHashed(d, fields.pairs[2 * i]!, fields.hashes[i]!, fields.pairs[2 * i + 1]!);
      rest = '';
    }
  }
  if (rest !== '') d.record.body = rest;
  agentRpc(d, String(getAttr(d, K.EXCEPTION_MESSAGE) ?? d.record.body));
  return true;
}

const CLIENT_ERROR = /^(?:(ctr|docker|crictl|nerdctl|podman|kubectl): |(Error response from daemon): |(Error): |(Failed to create pod sandbox): |(Warning +\w+ .*))/;

/** The first characters CLIENT_ERROR accepts: other text is ruled out without running it. */
const CLIENT_ERROR_FIRST = new Set([...'cdnpkEFW'].map((ch) => ch.charCodeAt(0)));

/** One-shot client errors (`ctr: failed to create shim task: ...`), possibly spanning several lines. */
export function parseClientError(d: Draft, text: string, ctx: ParseContext): boolean {
  if (!CLIENT_ERROR_FIRST.has(text.charCodeAt(0))) return false;
  const m = CLIENT_ERROR.exec(text);
  if (m === null) return false;
  d.format = 'client-error';
  d.component = 'container-manager';
  d.service = m[1] ?? (m[2] !== undefined ? 'docker' : ctx.identifier || 'kubelet');
  setSeverity(d, Severity.ERROR, '');
  d.record.body = text;
  setAttr(d, K.EXCEPTION_MESSAGE, m[1] !== undefined ? text.slice(m[0].length) : text);
  agentRpc(d, text);
  return true;
}

const EVENT_ROW = /^\s{1,8}(Normal|Warning)\s{2,}\S/;

/**
 * `kubectl describe` Events table, recombined into one record (WARN when any row is a
 * Warning), or one row of it on its own (`  Warning  Failed  5s  kubelet  Error: ...`).
 */
export function parseKubectlEvents(d: Draft, text: string): boolean {
  // A row opens with white space (`\s`), which no printable ASCII character is.
  const c = text.charCodeAt(0);
  if (c > 32 && c < 127 && c !== 69 /* E */) return false;
  let warning: boolean;
  if (text.startsWith('Events:')) {
    warning = /^\s+Warning\s/m.test(text);
  } else {
    const row = EVENT_ROW.exec(text);
    if (row === null) return false;
    warning = row[1] === 'Warning';
  }
  d.format = 'kubectl-events';
  d.component = 'container-manager';
  d.service = 'kubectl';
  d.record.body = text;
  setSeverity(d, warning ? Severity.WARN : Severity.INFO, warning ? 'Warning' : 'Normal');
  agentRpc(d, text);
  return true;
}
