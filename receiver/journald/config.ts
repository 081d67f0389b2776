/**
 * `journald` receiver configuration. Keys follow the Collector's journald receiver
 * (`directory`, `units`, `identifiers`, `start_at`), with one deliberate difference:
 * `units` and `identifiers` select entries from EITHER list (journalctl's `+`), not from
 * both, so `identifiers: [kata]` and `units: [containerd.service]` read the Go shim's
 * syslog records and containerd's copy of them, which `dedupe` then folds into one.
 */
import { z } from 'zod';
import { durationMs } from '../helper/config-units';
import { DEFAULT_MAX_BATCH } from '../helper/delivery';

/** A journal field value: no newline (journalctl takes one match per argument). */
const matchValue = z.string().min(1).max(256).refine((v) => !/[\n\0]/.test(v), { message: 'must not contain a newline or NUL' });

export const journaldConfigSchema = z
  .object({
    /** The journalctl binary (a name looked up in PATH, or a path). */
    journalctl_path: z.string().min(1).default('journalctl'),
    /** A journal directory (`--directory`); default: the system journal. */
    directory: z.string().min(1).optional(),
    /**
     * SYSLOG_IDENTIFIER values to read: the Go shim and runtime-rs ≥ 3.20 write as `kata`,
     * the `kata-runtime` CLI, a peer-pod guest's agent and kata-monitor under their names.
     */
    identifiers: z.array(matchValue).default(['kata', 'kata-runtime', 'kata-agent', 'kata-monitor']),
    /** _SYSTEMD_UNIT values to read (the shim's text also reaches containerd's journal). */
    units: z.array(matchValue).default([]),
    /** Where to begin when there is no saved cursor: `end` (new entries only) or `beginning`. */
    start_at: z.enum(['end', 'beginning']).default('end'),
    /**
     * The Go shim's records reach the journal twice: from its syslog hook as `kata[shim pid]`
     * and through containerd's stdout as `containerd[containerd pid]`, with the same text.
     * An entry whose MESSAGE equals that of an unpaired entry of another identifier in this
     * list, within `window` of journal time, is that entry's twin and is not sent again.
     */
    dedupe: z
      .object({
        enabled: z.boolean().default(true),
        identifiers: z.array(matchValue).min(2).default(['kata', 'containerd', 'crio']),
        window: durationMs({ min: 1, max: 600_000 }).default(2000),
        /** Entries remembered at most (bounds memory under a flood). */
        max_entries: z.number().int().min(16).max(1_000_000).default(10_000),
      })
      .strict()
      .default({ enabled: true, identifiers: ['kata', 'containerd', 'crio'], window: 2000, max_entries: 10_000 }),
    /** Join a multi-line record written as several entries (a Go panic copied by containerd). */
    multiline: z
      .object({
        enabled: z.boolean().default(true),
        max_lines: z.number().int().min(1).max(100_000).default(1000),
      })
      .strict()
      .default({ enabled: true, max_lines: 1000 }),
    /** A record held for a continuation is sent after this much quiet from its writer. */
    force_flush_period: durationMs({ min: 1, max: 3_600_000 }).default(500),
    /** Records per batch handed to the next stage. */
    max_batch: z.number().int().min(1).max(65_536).default(DEFAULT_MAX_BATCH),
    /** After journalctl exits, wait this long before starting it again (doubling up to 30s). */
    restart_delay: durationMs({ min: 10, max: 600_000 }).default(1000),
    /** Longest journalctl output line accepted (an entry with `--all` fields); longer ones are counted and skipped. */
    max_entry_size: z.number().int().min(4096).max(1 << 30).default(64 << 20),
    /** Resource attributes for every record, besides `host.name` from the entry. */
    resource: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type JournaldConfig = z.output<typeof journaldConfigSchema>;
