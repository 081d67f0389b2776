import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readLines } from '../../receiver/input/line-reader';

async function collect(chunks: Buffer[], maxLineLength?: number): Promise<{ lines: string[]; stats: Awaited<ReturnType<typeof readLines>> }> {
  const lines: string[] = [];
  const stats = await readLines(Readable.from(chunks), (l) => lines.push(l), maxLineLength === undefined ? {} : { maxLineLength });
  return { lines, stats };
}

describe('readLines', () => {
  it('splits on \\n, drops a trailing \\r, and keeps a last line without newline', async () => {
    const { lines, stats } = await collect([Buffer.from('a\r\nb\n\nc')]);
    assert.deepEqual(lines, ['a', 'b', '', 'c']);
    assert.equal(stats.lines, 4);
    assert.equal(stats.bytes, 7);
  });

  it('joins a line split across chunks, also inside a multi-byte character', async () => {
    const bytes = Buffer.from('first 3月 line\nsecond\n', 'utf8');
    const cut = bytes.indexOf(0xe6) + 1; // in the middle of 月
    const { lines } = await collect([bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut)]);
    assert.deepEqual(lines, ['first 3月 line', 'second']);
  });

  it('decodes invalid UTF-8 to U+FFFD instead of failing', async () => {
    const { lines } = await collect([Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a])]);
    assert.deepEqual(lines, ['a\ufffd\ufffdb']);
  });

  it('cuts a line longer than maxLineLength into pieces and counts them', async () => {
    const { lines, stats } = await collect([Buffer.from('x'.repeat(25)), Buffer.from('y'.repeat(5) + '\nz\n')], 10);
    assert.deepEqual(lines, ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5) + 'y'.repeat(5), 'z']);
    assert.equal(stats.cutLines, 2);
  });
});
