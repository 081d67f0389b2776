/**
 * A rule pack: every rule of some files, checked, compiled and cross-referenced. Loading
 * never stops at the first problem; it returns every issue with its file, rule and key.
 * A pack is immutable; the runtime state (correlation windows) lives in the engine.
 */
import type { Node } from './detection';
import { compileDetection } from './detection';
import type { RuleIssue } from './errors';
import { ConstructError, RuleLoadError } from './errors';
import { RECORD_FIELD_NAMES } from './fields';
import { collectYamlFiles, expandPackRoots, isTestDoc, readYamlDocs } from './files';
import type { CorrelationDoc, DetectionDoc } from './rule';
import { readRuleDoc } from './rule';
import { KATA_ATTRIBUTE_KEYS, OTEL_REUSED_ATTRIBUTE_KEYS, TEMPLATE_PREFIXES } from '../../semconv/generated/attributes';

export interface CompiledRule extends DetectionDoc {
  readonly node: Node;
  /** Position in the pack (file order, then document order). */
  readonly order: number;
}

export interface CompiledCorrelation extends CorrelationDoc {
  /** The referenced rules, in the order `rules:` lists them. */
  readonly refs: readonly CompiledRule[];
  readonly order: number;
}

export interface Pack {
  readonly rules: readonly CompiledRule[];
  readonly correlations: readonly CompiledCorrelation[];
  readonly files: readonly string[];
}

export interface LoadOptions {
  /** `expand` placeholder values. */
  placeholders?: Readonly<Record<string, readonly string[]>>;
  /** Lint: unknown placeholders are not errors (their values come from a configuration). */
  lenientPlaceholders?: boolean;
  /** Lint: field names must be registered in the Kata semantic conventions. */
  checkFields?: boolean;
}

export const EMPTY_PACK: Pack = Object.freeze({ rules: [], correlations: [], files: [] });

const KNOWN_FIELDS = new Set<string>([...KATA_ATTRIBUTE_KEYS, ...OTEL_REUSED_ATTRIBUTE_KEYS, ...RECORD_FIELD_NAMES]);

export function isKnownField(f: string): boolean {
  return KNOWN_FIELDS.has(f) || TEMPLATE_PREFIXES.some((p) => f.startsWith(p));
}

/** The documents of one file (or of a test's in-memory rules). */
export interface RuleSource {
  file: string;
  docs: readonly unknown[];
  errors?: readonly string[];
  /** Per document: the line of a key path (see files.ts). */
  lines?: readonly ((where: string) => number | undefined)[];
}

export function loadPack(paths: readonly string[], opts: LoadOptions = {}): { pack: Pack; issues: RuleIssue[] } {
  const fileProblems: { file: string; message: string }[] = [];
  const files = collectYamlFiles(expandPackRoots(paths).paths, fileProblems);
  const sources: RuleSource[] = files.map((file) => ({ file, ...readYamlDocs(file) }));
  const out = buildPack(sources, opts);
  out.issues.unshift(...fileProblems.map((p) => ({ file: p.file, rule: '', where: '', message: p.message })));
  return out;
}

export function buildPack(sources: readonly RuleSource[], opts: LoadOptions = {}): { pack: Pack; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const files = sources.map((s) => s.file);
  const rules: CompiledRule[] = [];
  const correlations: CorrelationDoc[] = [];
  const byId = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const { file, docs, errors, lines } of sources) {
    for (const e of errors ?? []) issues.push({ file, rule: '', where: '', message: e });
    for (const [docIndex, doc] of docs.entries()) {
      if (isTestDoc(doc)) continue;
      const found: [string, string][] = [];
      const rd = readRuleDoc(doc, file, found);
      const d = (typeof doc === 'object' && doc !== null ? doc : {}) as { id?: unknown; title?: unknown };
      const label = typeof d.id === 'string' && d.id !== '' ? d.id : typeof d.title === 'string' ? d.title : '';
      const lineOf = lines?.[docIndex];
      const report = (where: string, message: string): void => {
        const line = lineOf?.(where);
        issues.push({ file, ...(line === undefined ? {} : { line }), rule: label, where, message });
      };
      for (const [w, m] of found) report(w, m);
      if (rd === undefined) continue;
      // Compiled even when its metadata has issues, so one run reports everything about a rule.
      let node: Node | undefined;
      if (rd.kind === 'detection') {
        try {
          node = compileDetection(rd.detection, {
            placeholders: opts.placeholders ?? {},
            lenientPlaceholders: opts.lenientPlaceholders ?? false,
            onField: opts.checkFields
              ? (f, where) => {
                if (!isKnownField(f)) report(where, `field ${JSON.stringify(f)} is not a registered Kata or OpenTelemetry attribute`);
              }
              : undefined,
          });
        } catch (err) {
          if (!(err instanceof ConstructError)) throw err;
          report(err.where, err.message);
        }
      }
      if (found.length > 0) continue;
      const dupe = byId.get(rd.id);
      if (dupe !== undefined) {
        report('id', `is also the id of a rule in ${dupe}`);
        continue;
      }
      byId.set(rd.id, file);
      if (rd.name !== undefined) {
        const other = byName.get(rd.name);
        if (other !== undefined) report('name', `${JSON.stringify(rd.name)} is also the name of a rule in ${other}`);
        byName.set(rd.name, file);
      }
      if (rd.kind === 'correlation') {
        if (opts.checkFields) {
          for (const f of [...rd.groupBy, ...(rd.field === undefined ? [] : [rd.field])]) {
            if (!isKnownField(f)) report('correlation', `field ${JSON.stringify(f)} is not a registered Kata or OpenTelemetry attribute`);
          }
        }
        correlations.push(rd);
        continue;
      }
      if (node !== undefined) rules.push({ ...rd, node, order: rules.length });
    }
  }
  const ruleByRef = new Map<string, CompiledRule>();
  for (const r of rules) {
    ruleByRef.set(r.id, r);
    if (r.name !== undefined) ruleByRef.set(r.name, r);
  }
  const corrIds = new Set(correlations.flatMap((c) => (c.name === undefined ? [c.id] : [c.id, c.name])));
  const compiled: CompiledCorrelation[] = [];
  for (const c of correlations) {
    const refs: CompiledRule[] = [];
    let ok = true;
    for (const ref of c.rules) {
      const r = ruleByRef.get(ref);
      if (r === undefined) {
        ok = false;
        issues.push({
          file: c.file, rule: c.id, where: 'correlation.rules',
          message: corrIds.has(ref) ? `${JSON.stringify(ref)} is a correlation; correlations of correlations are not supported`
            : `${JSON.stringify(ref)} names no detection rule of the pack (by id or name)`,
        });
      } else if (refs.includes(r)) {
        ok = false;
        issues.push({ file: c.file, rule: c.id, where: 'correlation.rules', message: `${JSON.stringify(ref)} is listed twice` });
      } else {
        refs.push(r);
      }
    }
    if (ok) compiled.push({ ...c, refs, order: compiled.length });
  }
  return { pack: { rules, correlations: compiled, files }, issues };
}

/** Loads or throws a RuleLoadError listing every issue. */
export function loadPackOrThrow(paths: readonly string[], opts: LoadOptions = {}): Pack {
  const { pack, issues } = loadPack(paths, opts);
  if (issues.length > 0) throw new RuleLoadError(issues);
  return pack;
}
