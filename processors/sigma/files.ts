/**
 * Finding and reading rule files. A path is a `.yml`/`.yaml` file or a directory searched
 * recursively in sorted order, so the pack order (which decides ties between equally
 * severe rules) is the same on every machine. The bundled pack is `rules/` at the package
 * root, found from this file's location so it works from dist/ and from an installed
 * package alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

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

export function bundledRulesDir(): string {
  return path.join(packageRoot(), 'rules');
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
  const parsed = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const errors: string[] = [];
  const docs: unknown[] = [];
  for (const d of list.slice(0, MAX_DOCS_PER_FILE)) {
    if (d.errors.length > 0) {
      for (const e of d.errors) errors.push(`YAML: ${e.message.split('\n')[0]}${e.linePos ? ` (line ${e.linePos[0].line})` : ''}`);
      continue;
    }
    const js: unknown = d.toJS({ maxAliasCount: 100 });
    if (js !== null && js !== undefined) docs.push(js);
  }
  if (list.length > MAX_DOCS_PER_FILE) errors.push(`more than ${MAX_DOCS_PER_FILE} YAML documents`);
  return { docs, errors };
}

/** Rule test files hold `rule:` and `cases:`; they live beside the rules and are not rules. */
export function isTestDoc(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && 'cases' in doc;
}
