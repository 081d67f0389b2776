/**
 * `s.replace(/\r$/, '')` without a regular expression: the console ends lines with CR,
 * and the expression searched the whole text for one at every record that passes here.
 */
export function dropFinalCr(s: string): string {
  return s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}
