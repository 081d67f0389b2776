/**
 * Real journal files for tests: entries written in journald's export format and turned
 * into a journal by systemd-journal-remote (Debian package `systemd-journal-remote`),
 * then read by the real journalctl, so the receiver sees journalctl's own output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CANDIDATES = ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'];

export function journalRemotePath(): string | undefined {
  for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
  return undefined;
}

export function journalctlPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v journalctl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export type Fields = Record<string, string | Buffer>;

export const BOOT_ID = '0f6c4d1e2a3b4c5d6e7f8091a2b3c4d5';
const BASE_MICROS = 1_768_478_400_000_000; // 2026-01-15T12:00:00Z

/** One entry in the export format: `KEY=value\n`, or `KEY\n` + u64le length + bytes + `\n` for binary values. */
export function exportEntry(fields: Fields): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    const binary = b.includes(10) || !isValidUtf8Text(b);
    if (binary) {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(b.length));
      parts.push(Buffer.from(`${k}\n`), len, b, Buffer.from('\n'));
    } else {
      parts.push(Buffer.from(`${k}=`), b, Buffer.from('\n'));
    }
  }
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

function isValidUtf8Text(b: Buffer): boolean {
  if (b.includes(0)) return false;
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** An entry as journald would store a syslog or stdout record. `offsetMs` from a fixed base time. */
export function entry(identifier: string, pid: number, message: string | Buffer, offsetMs: number, extra: Fields = {}): Fields {
  const micros = BASE_MICROS + offsetMs * 1000;
  return {
    __REALTIME_TIMESTAMP: String(micros),
    __MONOTONIC_TIMESTAMP: String(1_000_000 + offsetMs * 1000),
    _BOOT_ID: BOOT_ID,
    _HOSTNAME: 'kata-node-1',
    _TRANSPORT: identifier === 'kata' ? 'syslog' : 'stdout',
    _SYSTEMD_UNIT: identifier === 'kata' || identifier === 'containerd' ? 'containerd.service' : `${identifier}.service`,
    PRIORITY: '6',
    SYSLOG_IDENTIFIER: identifier,
    SYSLOG_PID: String(pid),
    _PID: String(pid),
    MESSAGE: message,
    ...extra,
  };
}

/** Appends entries to `<dir>/remote.journal` (created on first use). */
export function appendToJournal(dir: string, entries: Fields[]): void {
  const remote = journalRemotePath();
  if (remote === undefined) throw new Error('systemd-journal-remote is not installed');
  fs.mkdirSync(dir, { recursive: true });
  const input = path.join(dir, `..`, `export-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.bin`);
  fs.writeFileSync(input, Buffer.concat(entries.map(exportEntry)));
  try {
    const r = spawnSync(remote, [`--output=${path.join(dir, 'remote.journal')}`, input], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`systemd-journal-remote failed (${r.status}): ${r.stderr}`);
  } finally {
    fs.rmSync(input, { force: true });
  }
}

/** A logfmt line of the Go shim carrying `seq`. */
export function shimMessage(seq: number, msg = 'container event'): string {
  const t = new Date(BASE_MICROS / 1000 + seq).toISOString().replace('Z', '000000Z');
  return `time="${t}" level=info msg="${msg}" seq=${seq} name=containerd-shim-v2 pid=4242 sandbox=0f4c source=virtcontainers`;
}
