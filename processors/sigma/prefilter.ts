/**
 * Literals a rule needs. A Need is a disjunction of atoms "field's lowercased text contains
 * lit": if the rule matches a record, at least one atom holds. null means no such set is
 * known (negation, numbers, regexes, a bare `*`), and the rule then always runs.
 *
 * It is computed from the compiled tree only, so it can never disagree with evaluation
 * except by being weaker: a record that fails the need cannot match (property-tested).
 */
export interface Atom {
  readonly field: string;
  readonly lit: string;
}

export type Need = readonly Atom[] | null;

/** How well a need prunes: its weakest atom's literal length (longer literals are rarer). */
function strength(n: readonly Atom[]): number {
  let min = Infinity;
  for (const a of n) min = Math.min(min, a.lit.length);
  return n.length === 0 ? -1 : min;
}

/** Of several needs that must all hold, any one is necessary: keep the strongest. */
export function needAll(needs: readonly Need[]): Need {
  let best: readonly Atom[] | null = null;
  for (const n of needs) {
    if (n === null || n.length === 0) continue;
    if (best === null || strength(n) > strength(best) || (strength(n) === strength(best) && n.length < best.length)) best = n;
  }
  return best;
}

/** Of alternatives, one holds: the union of their needs, unknown if any is unknown. */
export function needAny(needs: readonly Need[]): Need {
  const out: Atom[] = [];
  const seen = new Set<string>();
  for (const n of needs) {
    if (n === null || n.length === 0) return null;
    for (const a of n) {
      const k = `${a.field}\u0000${a.lit}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(a);
      }
    }
  }
  return out.length === 0 ? null : out;
}

/** Needs shorter than this prune too little to be worth a check per record. */
export const MIN_LITERAL = 2;

export function atom(field: string, lit: string): Need {
  const l = lit.toLowerCase();
  return l.length < MIN_LITERAL ? null : [{ field, lit: l }];
}
