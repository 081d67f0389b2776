/**
 * Finding and reading rule files. A path is a `.yml`/`.yaml` file or a directory searched
 * recursively in sorted order, so the pack order (which decides ties between equally
 * severe rules) is the same on every machine. The bundled pack is `rules/kata/` at the
 * package root, found from this file's location so it works from dist/ and from an
 * installed package alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';

export const MAX_FILE_BYTES = 1 << 20;
export const MAX_FILES = 10_000;
const MAX_DOCS_PER_FILE = 256;

export function packageRoot(): string {
  for (let dir = __dirname, i = 0; i < 8; i++, dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    try {
      if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kata-otel') return dir;
    } catch {
      // not here (missing or not JSON): keep going up
    }
  }
  return path.resolve(__dirname, '..', '..', '..');
}

/** The rule pack shipped with kata-otel: `rules/` with `kata/`, `tests/` and more beside the rules. */
export function bundledPackRoot(): string {
  return path.join(packageRoot(), 'rules');
}

/** The bundled rules themselves (what the processor loads). */
export function bundledRulesDir(): string {
  return path.join(bundledPackRoot(), 'kata');
}

export const EXPECTATIONS_FILE = 'fixture-expectations.yml';

/**
 * A pack root (a directory holding `kata/`, like `rules/`) stands for its `kata/` rules, its
 * `tests/` and its fixture expectations; its other files (tool configuration) are not rules.
 * Other paths are kept as given.
 */
export function expandPackRoots(paths: readonly string[]): { paths: string[]; expectations: string[] } {
  const out: string[] = [];
  const expectations: string[] = [];
  for (const p of paths) {
    const isDir = (d: string): boolean => {
      try {
        return fs.statSync(d).isDirectory();
      } catch {
        return false;
      }
    };
    if (!isDir(p) || !isDir(path.join(p, 'kata'))) {
      out.push(p);
      continue;
    }
    out.push(path.join(p, 'kata'));
    if (isDir(path.join(p, 'tests'))) out.push(path.join(p, 'tests'));
    if (fs.existsSync(path.join(p, EXPECTATIONS_FILE))) expectations.push(path.join(p, EXPECTATIONS_FILE));
  }
  return { paths: out, expectations };
}

/** YAML files under `paths`; a missing path is reported, an empty directory is not. */
export function collectYamlFiles(paths: readonly string[], problems: { file: string; message: string }[]): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      problems.push({ file: p, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        walk(path.join(p, name), false);
      }
    } else if (/\.ya?ml$/.test(p) || top) {
      if (out.length >= MAX_FILES) {
        problems.push({ file: p, message: `more than ${MAX_FILES} rule files` });
        return;
      }
      out.push(p);
    }
  };
  for (const p of paths) walk(p, true);
  return out;
}

export interface YamlDocs {
  docs: unknown[];
  errors: string[];
  /** For each of `docs`: the line of a key path such as `detection.selection.body|re`. */
  lines?: ((where: string) => number | undefined)[];
}

/**
 * The line of `where` (keys joined by `.`, list positions as `[i]`) in a parsed document,
 * or of the deepest part of it that exists. Keys may hold dots themselves (field names), so
 * at each map the longest key that prefixes the rest of the path is taken.
 */
function lineFinder(doc: Document, lc: LineCounter): (where: string) => number | undefined {
  return (where) => {
    let node: unknown = doc.contents;
    let at: unknown = node;
    let rest = where;
    while (rest !== '') {
      if (isMap(node)) {
        let best: { k: string; value: unknown; key: unknown } | undefined;
        for (const pair of node.items) {
          const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
          if (k === undefined || !(rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))) continue;
          if (best === undefined || k.length > best.k.length) best = { k, value: pair.value, key: pair.key };
        }
        if (best === undefined) break;
        at = best.key;
        node = best.value;
        rest = rest.slice(best.k.length).replace(/^\./, '');
      } else if (isSeq(node)) {
        const m = /^\[(\d+)\]\.?/.exec(rest);
        const item = m === null ? undefined : node.items[Number(m[1])];
        if (item === undefined || item === null) break;
        at = item;
        node = item;
        rest = rest.slice(m![0].length);
      } else {
        break;
      }
    }
    const range = (at as { range?: [number, number, number] } | null)?.range;
    return range === undefined ? undefined : lc.linePos(range[0]).line;
  };
}

export function readYamlDocs(file: string): YamlDocs {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (st.size > MAX_FILE_BYTES) return { docs: [], errors: [`larger than ${MAX_FILE_BYTES} bytes`] };
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { docs: [], errors: [`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { prettyErrors: false, lineCounter: lc });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const errors: string[] = [];
  const docs: unknown[] = [];
  const lines: ((where: string) => number | undefined)[] = [];
  for (const d of list.slice(0, MAX_DOCS_PER_FILE)) {
    if (d.errors.length > 0) {
      for (const e of d.errors) errors.push(`YAML: ${e.message.split('\n')[0]}${e.linePos ? ` (line ${e.linePos[0].line})` : ''}`);
      continue;
    }
    const js: unknown = d.toJS({ maxAliasCount: 100 });
    if (js !== null && js !== undefined) {
      docs.push(js);
      lines.push(lineFinder(d, lc));
    }
  }
  if (list.length > MAX_DOCS_PER_FILE) errors.push(`more than ${MAX_DOCS_PER_FILE} YAML documents`);
  return { docs, errors, lines };
}

/** Rule test files hold `rule:` and `cases:`; they live beside the rules and are not rules. */
export function isTestDoc(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && 'cases' in doc;
}
