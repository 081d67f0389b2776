/**
 * What the semconv generators share: the `[--check] [--root <repo>]` command line, and
 * comparing rendered files with the committed ones (the drift tests and `--check` both
 * need it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkRegistry } from './check';
import type { Model } from './model';
import { findRepoRoot, formatIssue, loadModel } from './model';

export interface Rendered {
  /** Path relative to the repository root. */
  file: string;
  content: string;
}

function current(root: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** The rendered files whose committed content under `root` differs. */
export function outOfDate(root: string, rendered: readonly Rendered[]): string[] {
  return rendered.filter((r) => current(root, r.file) !== r.content).map((r) => r.file);
}

/** `[--check] [--root <repo>]`; undefined (after printing the usage) on anything else. */
export function parseGeneratorArgs(argv: readonly string[], name: string): { check: boolean; root: string | undefined } | undefined {
  let root: string | undefined;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') check = true;
    else if (a === '--root') root = argv[++i];
    else {
      console.error(`${name}: unknown argument ${a ?? ''}\nusage: ${name} [--check] [--root <repo>]`);
      return undefined;
    }
  }
  return { check, root };
}

/** Writes the rendered files that changed, saying which. */
export function writeRendered(root: string, rendered: readonly Rendered[]): void {
  for (const { file, content } of rendered) {
    if (current(root, file) === content) {
      console.log(`unchanged ${file}`);
      continue;
    }
    const target = path.join(root, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    console.log(`wrote ${file}`);
  }
}

export interface Generator {
  /** Prefix of every message, e.g. `semconv generate`. */
  name: string;
  /** What to run when the committed files are out of date. */
  command: string;
  render(model: Model): Rendered[];
}

/**
 * A generator's command line: checks the registry, then writes the rendered files, or with
 * --check only names the ones out of date (exit 1). Returns the exit code.
 */
export function runGenerator(argv: readonly string[], from: string, g: Generator): number {
  const args = parseGeneratorArgs(argv, g.name);
  if (args === undefined) return 2;
  const repo = args.root !== undefined ? path.resolve(args.root) : findRepoRoot(from);
  const modelDir = path.join(repo, 'semconv', 'model');
  const issues = checkRegistry(modelDir);
  if (issues.length > 0) {
    for (const i of issues) console.error(formatIssue(i));
    console.error(`${g.name}: the registry has ${issues.length} issue${issues.length === 1 ? '' : 's'}; fix them first`);
    return 1;
  }
  const rendered = g.render(loadModel(modelDir).model);
  if (args.check) {
    const drifted = outOfDate(repo, rendered);
    if (drifted.length > 0) {
      for (const f of drifted) console.error(`out of date: ${f}`);
      console.error(`${g.name} --check: run \`${g.command}\` and commit the result`);
      return 1;
    }
    console.log(`${g.name} --check: generated files are up to date`);
    return 0;
  }
  writeRendered(repo, rendered);
  return 0;
}
