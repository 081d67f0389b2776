/**
 * Sandbox and container ids written inside free text: runtime paths and annotations.
 * Field-based ids (sandbox=, cid, ...) are mapped in fields.ts; this covers the rest.
 */
import type { Draft } from './draft';
import { getAttr, hasAttr, setAttr, setAttrOnce } from './draft';
import { K } from './keys';

// Ids are bounded so a hostile line cannot make the scan quadratic.
const SANDBOX_IN_PATH =
  /\/run\/(?:vc\/(?:vm|sbs)|kata-containers\/shared\/sandboxes|vc\/firecracker|containerd\/io\.containerd\.runtime\.v2\.task\/[\w.-]{1,64})\/([\w.-]{1,128})(?=[/:"\\\s),]|$)/;
// The id ends where the path component does: `/`, `-<suffix>` (shared mounts), a quote,
// an escaping backslash (JSON), space or the end.
const CONTAINER_IN_PATH = /\/run\/kata-containers\/(?:shared\/containers\/)?([0-9a-f]{64})(?![\w.])/;
// The Go shim's management socket: /run/vc/<sandbox>/shim-monitor.
const SHIM_MONITOR = /\/run\/vc\/([\w.-]{1,128})\/shim-monitor/;
const SANDBOX_ANNOTATION = /io\.kubernetes\.cri(?:-o)?\.[Ss]andbox-?[Ii][Dd]"?\s*[:=]\s*\\?"?([0-9a-f]{64})/;
const RUST_CONTAINER_ID = /container_id: (?:ContainerID \{ container_id: )?\\?"([0-9a-f]{64})\\?"/;

/**
 * Adds kata.sandbox.id / container.id found in `text` when the record has none yet.
 * Cheap substring checks gate every regex, since most lines carry no path.
 */
export function extractIdsFromText(text: string, d: Draft): void {
  const hadSandbox = hasAttr(d, K.SANDBOX_ID);
  const hadContainer = hasAttr(d, K.CONTAINER_ID);
  // Nothing to add: do not search the text at all.
  if (hadSandbox && hadContainer) return;
  // Where `/run/` is: -1 when not in the text, -2 while not looked for.
  let run = -2;
  if (!hadSandbox) {
    run = text.indexOf('/run/');
    if (run >= 0) {
      const m = SANDBOX_IN_PATH.exec(text);
      if (m !== null && m[1] !== 'vm' && m[1] !== 'sbs') setAttr(d, K.SANDBOX_ID, m[1]!);
      else if (text.indexOf('/shim-monitor') >= 0) {
        const s = SHIM_MONITOR.exec(text);
        if (s !== null) setAttr(d, K.SANDBOX_ID, s[1]!);
      }
    }
    // The searches look for a rarer part of each pattern first (a search stops at every
    // occurrence of the first character): `kubernetes.cri`, `_id: `.
    if (!hasAttr(d, K.SANDBOX_ID) && text.indexOf('kubernetes.cri') >= 0) {
      const m = SANDBOX_ANNOTATION.exec(text);
      if (m !== null) setAttr(d, K.SANDBOX_ID, m[1]!);
    }
  }
  if (!hadContainer) {
    if (run !== -1 && text.indexOf('/run/kata-containers/', run < 0 ? 0 : run) >= 0) {
      const m = CONTAINER_IN_PATH.exec(text);
      if (m !== null && m[1] !== getAttr(d, K.SANDBOX_ID)) setAttr(d, K.CONTAINER_ID, m[1]!);
    }
    if (!hasAttr(d, K.CONTAINER_ID) && text.indexOf('_id: ') >= 0) {
      const m = RUST_CONTAINER_ID.exec(text);
      if (m !== null) setAttr(d, K.CONTAINER_ID, m[1]!);
    }
  }
}

// The agent's `info!(sl(), "do_exec_process cid: {} eid: {}", cid, exec_id)` (src/agent/src/rpc.rs):
// the one record of an exec (`kubectl exec`, an exec probe) that names both ids.
const EXEC_PROCESS = /^do_exec_process cid: ([\w.-]{1,128}) eid: ([\w.-]{1,128})$/;

/**
 * container.id and kata.exec.id from the agent's message for an ExecProcess request; a
 * field of the record (`cid`, `eid`) has set them first when there was one.
 */
export function extractExecIds(message: string, d: Draft): void {
  const m = EXEC_PROCESS.exec(message);
  if (m === null) return;
  setAttrOnce(d, K.CONTAINER_ID, m[1]!);
  setAttrOnce(d, K.EXEC_ID, m[2]!);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The id isHex64 accepted last: records of one sandbox come together, and comparing costs half the regex. */
let lastHex64 = '';

export function isHex64(s: string): boolean {
  if (s.length !== 64) return false;
  if (s === lastHex64) return true;
  if (!HEX64.test(s)) return false;
  lastHex64 = s;
  return true;
}
