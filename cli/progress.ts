/**
 * A one-line progress bar on stderr for big files: bytes read of the file size and the
 * line rate. The caller creates it only when stderr is a terminal; it redraws at most
 * five times a second and erases itself when done.
 */
import { fitWidth } from './text';

export const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;
const REDRAW_MS = 200;

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}

export class ProgressBar {
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly tty: { write(text: string): unknown; columns?: number },
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(bytes: number, lines: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const fraction = this.total > 0 ? Math.min(bytes / this.total, 1) : 0;
    const width = Math.max((this.tty.columns || 80) - 1, 20);
    const stats = ` ${(fraction * 100).toFixed(1).padStart(5)}% ${mib(bytes)}/${mib(this.total)} MiB ${rate(lines / seconds)} lines/s `;
    const barWidth = Math.max(Math.min(30, width - stats.length - 20), 5);
    const filled = Math.round(fraction * barWidth);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
    const name = fitWidth(this.label, Math.max(width - bar.length - stats.length, 0));
    this.tty.write(`\r\x1b[K${bar}${stats}${name}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.tty.write('\r\x1b[K');
    this.drawn = false;
  }
}
