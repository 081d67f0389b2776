/** What a format parser knows about where its text came from. */
import type { Draft } from './draft';

export interface ParseContext {
  /** Syslog/journal identifier of the envelope ("kata", "containerd"), or "". */
  identifier: string;
  /** Nesting level, bounding recursion: envelopes (journal JSON) and relays each add one. */
  depth: number;
  /** The text was carried inside another record's field (a relay), not just unwrapped from an envelope. */
  relayed: boolean;
  /** The text was read from a guest console, so unrecognised text is the guest's. */
  inConsole: boolean;
  /** Reference wall clock (ms) for formats without a year. */
  refMillis: number;
  /** Parses nested text with every format, for relays. */
  dispatch(d: Draft, text: string, ctx: ParseContext): void;
}

/** Deeper nesting than this is treated as text: bounds recursion on hostile input. */
export const MAX_DEPTH = 4;

export function nested(ctx: ParseContext, inConsole: boolean): ParseContext {
  return { ...ctx, depth: ctx.depth + 1, relayed: true, inConsole, identifier: inConsole ? '' : ctx.identifier };
}
