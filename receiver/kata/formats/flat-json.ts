/**
 * The pairs the flat JSON scanners (json.ts, escaped-json.ts) read, in arrays reused from
 * record to record.
 */
import { depthScratch } from '../depth-scratch';

/**
 * Where scanFlatJsonInto writes: the first `count` entries of each array hold the result.
 * The arrays start with room for a usual record; entries past the count are unused.
 */
export interface FlatJson {
  keys: string[];
  vals: string[];
  /** keyHash (fields.ts) of each key. */
  hashes: number[];
  /**
   * Index of the `msg` pair whose value is a JSON object read in place (escaped-json.ts)
   * into the FlatJson of the next depth, or -1. Its value in `vals` is not set; `msgStart`
   * and `msgEnd` bound the escaped text between the quotes.
   */
  nestedAt: number;
  /** The number of pairs scanEscapedJsonInto read into this FlatJson. */
  nestedCount: number;
  msgStart: number;
  msgEnd: number;
}

export function newFlatJson(): FlatJson {
  return {
    keys: new Array<string>(16), vals: new Array<string>(16), hashes: new Array<number>(16), nestedAt: -1, nestedCount: 0, msgStart: 0, msgEnd: 0,
  };
}

/** The FlatJson of one nesting depth, reused (see depth-scratch.ts). */
export const flatJsonScratch = depthScratch(newFlatJson);

/** Adds a pair after `count` others: the new count, or -1 for a key already read (JSON.parse would merge them). */
export function addFlatPair(out: FlatJson, count: number, key: string, h: number, value: string): number {
  const keys = out.keys;
  const hashes = out.hashes;
  for (let k = 0; k < count; k++) {
    if (hashes[k] === h && keys[k] === key) return -1;
  }
  keys[count] = key;
  out.vals[count] = value;
  hashes[count] = h;
  return count + 1;
}
