/**
 * Which of the literals rules need occur in a record, found with one scan per field
 * instead of one `includes` per rule.
 *
 * The literals of a field compile into one alternation, longest first, run over the
 * field's lowercased text. A scan that restarts one character after each match start
 * visits every position where some literal occurs; there it reports the longest literal
 * starting at that position, and every literal that is a substring of a reported one is
 * present too (precomputed closure), so the set found is exactly the set present. The
 * pattern is literals and `|` only, so it cannot backtrack catastrophically.
 */
import type { Getter } from './fields';
import type { EvalCtx } from './fields';

function escape(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export class FieldLiterals {
  private readonly literals: string[] = [];
  private readonly ids = new Map<string, number>();
  private re: RegExp | undefined;
  private byText = new Map<string, number>();
  /** closure[i]: literals contained in literal i (itself included). */
  private closure: number[][] = [];
  /** stamp[i] === this.gen when literal i is present in the current record. */
  private stamp = new Int32Array(0);
  private gen = 0;
  private scannedGen = -1;

  constructor(
    readonly field: string,
    private readonly get: Getter,
  ) {}

  /** Registers a literal (lowercased already); returns its index. */
  add(lit: string): number {
    let i = this.ids.get(lit);
    if (i === undefined) {
      i = this.literals.length;
      this.literals.push(lit);
      this.ids.set(lit, i);
    }
    return i;
  }

  /** Builds the scanner once every literal is added. */
  seal(): void {
    const order = this.literals.map((l, i) => [l, i] as const).sort((a, b) => b[0].length - a[0].length || (a[0] < b[0] ? -1 : 1));
    this.re = new RegExp(order.map(([l]) => escape(l)).join('|'), 'g');
    this.byText = new Map(this.literals.map((l, i) => [l, i]));
    this.closure = this.literals.map((l) => this.literals.flatMap((m, j) => (l.includes(m) ? [j] : [])));
    this.stamp = new Int32Array(this.literals.length).fill(-1);
  }

  /** Starts a new record: nothing is known about it yet. */
  next(): void {
    this.gen = (this.gen + 1) & 0x3fffffff;
    this.scannedGen = -1;
  }

  has(i: number, ctx: EvalCtx): boolean {
    if (this.scannedGen !== this.gen) this.scan(ctx);
    return this.stamp[i] === this.gen;
  }

  private scan(ctx: EvalCtx): void {
    this.scannedGen = this.gen;
    const v = ctx.lower(this.field, this.get);
    if (v === undefined) return;
    if (typeof v === 'string') this.scanText(v);
    else for (const s of v) this.scanText(s);
  }

  private scanText(s: string): void {
    const re = this.re!;
    re.lastIndex = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      for (const j of this.closure[this.byText.get(m[0])!]!) this.stamp[j] = this.gen;
      re.lastIndex = m.index + 1;
    }
  }
}
