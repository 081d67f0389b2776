/**
 * Reads the real-log fixtures as their `# source:` blocks: each block is parsed on its own
 * so lines of different sources never join, and record line numbers are mapped back to
 * lines of the whole fixture file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LogRecord } from '../../pdata/log-record';
import { parseText } from '../../receiver/kata/parse-text';
import type { ParseTextOptions } from '../../receiver/kata/parse-text';
import { REF_MILLIS } from '../fixtures/expected/helpers';

/** From dist/test/receiver back to the sources, where the fixture files live. */
export const FIXTURE_DIR = path.resolve(__dirname, '../../../test/fixtures/kata-logs');

export interface FixtureLine {
  /** 1-based line number in the fixture file. */
  n: number;
  text: string;
}

export interface Block {
  file: string;
  /** The `# source:` comment that opens the block. */
  source: string;
  /** The block's lines without comment lines, blank lines included. */
  lines: FixtureLine[];
}

export interface ParsedRecord {
  record: LogRecord;
  /** Fixture line where the record starts. */
  line: number;
  /** Fixture lines the record covers (the block lines from its first to its last). */
  covered: FixtureLine[];
}

export function fixtureFiles(): string[] {
  return fs.readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.log')).sort();
}

export function readBlocks(file: string): Block[] {
  const text = fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const blocks: Block[] = [];
  let current: Block | undefined;
  lines.forEach((line, i) => {
    if (line.startsWith('# source:')) {
      current = { file, source: line, lines: [] };
      blocks.push(current);
    } else if (!line.startsWith('#') && current !== undefined) {
      current.lines.push({ n: i + 1, text: line });
    }
  });
  return blocks;
}

/** Parses one block with the fixed reference clock; extra options (original: true...) pass through. */
export function parseBlock(block: Block, opts: ParseTextOptions = {}): ParsedRecord[] {
  const text = block.lines.map((l) => l.text).join('\n');
  const records = parseText(text, { refMillis: REF_MILLIS, ...opts });
  return records.map((record) => {
    const first = record.attributes['kata.log.line_number'] as number;
    const count = (record.attributes['kata.parse.line_count'] as number | undefined) ?? 1;
    const covered = block.lines.slice(first - 1, first - 1 + count);
    return { record, line: block.lines[first - 1]!.n, covered };
  });
}
