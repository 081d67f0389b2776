/**
 * One result object per nesting depth, reused from record to record: allocating and
 * filling fresh arrays per record was a measurable share of the parse. A caller reads a
 * depth's result before it parses any nested text, and nested text has a depth of its own,
 * so no two uses of one depth overlap.
 */
export function depthScratch<T>(make: () => T): (depth: number) => T {
  const byDepth: T[] = [];
  return (depth) => {
    let s = byDepth[depth];
    if (s === undefined) {
      while (byDepth.length < depth) byDepth.push(make());
      byDepth.push((s = make()));
    }
    return s;
  };
}
