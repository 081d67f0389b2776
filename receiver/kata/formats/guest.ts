/**
 * Text a Kata guest writes to its console: kernel printk lines, systemd status lines,
 * and env_logger output of the guest components (attestation-agent,
 * confidential-data-hub, image-rs) and of the Rust virtiofsd.
 */
import { Severity } from '../../../pdata/log-record';
import { parseTimestamp } from '../../../pdata/time';
import type { ParseContext } from '../context';
import type { Draft } from '../draft';
import { setAttr, setSeverity } from '../draft';
import { K } from '../keys';
import { severityFromLevel } from '../severity';
import { stripAnsi } from '../unquote';
import { dropFinalCr } from '../final-cr';

const PRINTK = /^\[\s*(\d{1,9}\.\d{1,9})\] ?/;

/**
 * The console shows no printk level, so only the messages that mean the guest is failing
 * get one; everything else stays UNSPECIFIED rather than a guessed INFO.
 */
const KERNEL_SEVERITY: Array<[RegExp, number]> = [
  [/Kernel panic - not syncing/, Severity.FATAL],
  [/\bBUG: |\bOops\b|general protection fault|Call Trace:|\bkernel BUG at\b/, Severity.ERROR],
  [/Out of memory: Killed process|oom-kill:|invoked oom-killer/, Severity.ERROR],
  [/device-mapper: verity.*corrupt|verity.*(?:failed|error)/i, Severity.ERROR],
  [/segfault at |audit: .*denied|\bwarning\b/i, Severity.WARN],
];

/** A text that none of these words is in matches none of KERNEL_SEVERITY (nor the panic event). */
const KERNEL_SEVERITY_GATE = /Kernel panic|BUG|Oops|general protection|Call Trace:|Out of memory|oom-kill|verity|segfault|audit: |warning/i;

export function parsePrintk(d: Draft, text: string): boolean {
  const m = PRINTK.exec(text);
  if (m === null) return false;
  d.format = 'printk';
  d.component = 'guest-kernel';
  setAttr(d, K.GUEST_UPTIME, Number(m[1]));
  const body = stripAnsi(text.slice(m[0].length));
  d.record.body = body;
  // Userspace writing to /dev/kmsg (systemd[48]: ...) is the guest, not its kernel.
  if (/^[\w.@-]{1,64}\[\d{1,10}\]: /.test(body)) d.component = 'guest';
  // Most console lines mean nothing alarming: one search for what every pattern above
  // needs (case-insensitively) rules them all out.
  if (!KERNEL_SEVERITY_GATE.test(body)) return true;
  for (const [re, sev] of KERNEL_SEVERITY) {
    if (re.test(body)) {
      d.record.severityNumber = sev;
      break;
    }
  }
  if (/Kernel panic - not syncing/.test(body)) d.record.eventName = 'kata.guest.kernel.panic';
  return true;
}

const SYSTEMD_STATUS = /^\[\s*(OK|FAILED|DEPEND|TIME|\*{1,3} ?|\s\*{1,3})\s*\] /;
const SYSTEMD_PROGRESS = /^\s+(Starting|Stopping|Mounting|Unmounting|Activating|Deactivating) /;

export function parseSystemd(d: Draft, text: string): boolean {
  const plain = dropFinalCr(stripAnsi(text));
  const m = SYSTEMD_STATUS.exec(plain);
  if (m === null && !SYSTEMD_PROGRESS.test(plain)) return false;
  d.format = 'systemd';
  d.component = 'guest';
  d.service = 'systemd';
  d.record.body = plain.trim();
  if (m !== null) {
    const state = m[1]!.trim();
    if (state === 'FAILED' || state === 'DEPEND') setSeverity(d, Severity.ERROR, state);
    else if (state === 'TIME') setSeverity(d, Severity.WARN, state);
    else if (state === 'OK') setSeverity(d, Severity.INFO, state);
  }
  return true;
}

const ENV_LOGGER = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) {1,2}(ERROR|WARN|INFO|DEBUG|TRACE) {0,2}([^\]\s]{1,200})\] ?/;

const GUEST_TARGETS: Array<[string, string]> = [
  ['attestation_agent', 'attestation-agent'],
  ['confidential_data_hub', 'confidential-data-hub'],
  ['image_rs', 'image-rs'],
  ['kbs_protocol', 'attestation-agent'],
  ['kbc', 'attestation-agent'],
  ['api_server_rest', 'api-server-rest'],
];

/** env_logger: `[2024-09-25T13:05:51Z INFO  confidential_data_hub::config] message`. */
export function parseEnvLogger(d: Draft, text: string, ctx: ParseContext): boolean {
  const plain = text.indexOf('\x1b') >= 0 ? stripAnsi(text) : text;
  const m = ENV_LOGGER.exec(plain);
  if (m === null) return false;
  d.format = 'env-logger';
  const target = m[3]!;
  d.timeText = m[1]!;
  d.record.timeUnixNano = parseTimestamp(m[1]!) || d.record.timeUnixNano;
  setSeverity(d, severityFromLevel(m[2]!), m[2]!);
  setAttr(d, K.MODULE, target);
  d.record.body = dropFinalCr(plain.slice(m[0].length));
  if (target === 'virtiofsd' || target.startsWith('virtiofsd::')) {
    d.component = 'virtiofsd';
  } else {
    d.component = 'guest';
    const root = target.split('::')[0]!;
    const known = GUEST_TARGETS.find(([prefix]) => root.startsWith(prefix));
    d.service = known !== undefined ? known[1] : root.replace(/_/g, '-');
    if (!ctx.inConsole && ctx.identifier !== '') d.service = ctx.identifier;
  }
  return true;
}

const SKOPEO_PROGRESS = /^(?:Getting image source signatures|Copying (?:blob|config) |Writing manifest to image destination|Storing signatures)/;
const UMOCI_PROGRESS = /^ {1,8}• /;

/**
 * Progress text of an in-guest image pull (CCv0 CoCo: skopeo copies, umoci unpacks), which
 * the guest console interleaves with agent JSON: `Storing signatures`, `   • unpack layer: ...`.
 */
export function parseImagePullProgress(d: Draft, text: string): boolean {
  // umoci indents with spaces; skopeo's lines open with G, C, W or S.
  const c = text.charCodeAt(0);
  if (c !== 32 && c !== 71 /* G */ && c !== 67 /* C */ && c !== 87 /* W */ && c !== 83 /* S */) return false;
  let service: string;
  if (UMOCI_PROGRESS.test(text)) service = 'umoci';
  else if (SKOPEO_PROGRESS.test(text)) service = 'skopeo';
  else return false;
  d.format = 'text';
  d.component = 'guest';
  d.service = service;
  d.record.body = text.trim();
  return true;
}
