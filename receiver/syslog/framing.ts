/**
 * Syslog over a byte stream (RFC 6587). Each frame is either octet-counted
 * (`MSG-LEN SP SYSLOG-MSG`, MSG-LEN a decimal without leading zero) or ends with a
 * trailer (LF; CRLF and NUL are accepted too). The framing is detected at every frame
 * boundary from the first byte, a digit or `<`, which no syslog message can confuse, so
 * a connection may even mix them. Anything else is garbage: skipped up to the next
 * trailer and reported once per skipped run.
 *
 * Limits: an octet count above the maximum cannot be trusted to resynchronise, so it
 * ends the connection (`fatal`); an unterminated frame longer than the maximum is
 * dropped up to its trailer.
 */

export type FrameProblem = 'garbage' | 'too_large' | 'bad_length' | 'truncated';

export interface FramerEvents {
  message(msg: Buffer): void;
  /** `fatal` means the stream cannot be read on: close the connection. */
  problem(kind: FrameProblem, fatal: boolean): void;
}

const enum State {
  Boundary,
  Length,
  Octets,
  Trailer,
  Skip,
}

export class SyslogFramer {
  private state = State.Boundary;
  private length = 0;
  private lengthDigits = 0;
  private parts: Buffer[] = [];
  private partsLength = 0;
  private skipKind: FrameProblem = 'garbage';
  private closed = false;

  constructor(
    private readonly maxMessage: number,
    private readonly on: FramerEvents,
  ) {}

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n && !this.closed) {
      switch (this.state) {
        case State.Boundary: {
          const c = chunk[i]!;
          if (c === 10 || c === 13 || c === 0 || c === 32) {
            i++; // stray trailers and blanks between frames
          } else if (c >= 49 && c <= 57) {
            this.state = State.Length;
            this.length = 0;
            this.lengthDigits = 0;
          } else if (c === 60 /* < */) {
            this.state = State.Trailer;
          } else {
            this.skipKind = 'garbage';
            this.state = State.Skip;
          }
          break;
        }
        case State.Length: {
          const c = chunk[i]!;
          if (c >= 48 && c <= 57) {
            this.length = this.length * 10 + (c - 48);
            this.lengthDigits++;
            i++;
            if (this.length > this.maxMessage || this.lengthDigits > 10) {
              this.fail('too_large');
              return;
            }
          } else if (c === 32) {
            i++;
            this.state = State.Octets;
            this.parts = [];
            this.partsLength = 0;
          } else {
            // Digits not followed by a space: not octet counting, not a syslog message.
            this.fail('bad_length');
            return;
          }
          break;
        }
        case State.Octets: {
          const take = Math.min(this.length - this.partsLength, n - i);
          this.parts.push(chunk.subarray(i, i + take));
          this.partsLength += take;
          i += take;
          if (this.partsLength === this.length) {
            this.emit();
            this.state = State.Boundary;
          }
          break;
        }
        case State.Trailer: {
          let end = i;
          while (end < n && chunk[end] !== 10 && chunk[end] !== 0) end++;
          const take = end - i;
          if (this.partsLength + take > this.maxMessage) {
            this.parts = [];
            this.partsLength = 0;
            this.skipKind = 'too_large';
            this.state = State.Skip;
            break;
          }
          this.parts.push(chunk.subarray(i, end));
          this.partsLength += take;
          i = end;
          if (end < n) {
            i++; // the trailer
            this.emit();
            this.state = State.Boundary;
          }
          break;
        }
        case State.Skip: {
          while (i < n && chunk[i] !== 10 && chunk[i] !== 0) i++;
          if (i < n) {
            i++;
            this.on.problem(this.skipKind, false);
            this.state = State.Boundary;
          }
          break;
        }
      }
    }
  }

  /** The peer closed its side: a newline-framed last message without its trailer still counts. */
  end(): void {
    if (this.closed) return;
    if (this.state === State.Trailer && this.partsLength > 0) this.emit();
    else if (this.state === State.Octets || this.state === State.Length) this.on.problem('truncated', false);
    else if (this.state === State.Skip) this.on.problem(this.skipKind, false);
    this.state = State.Boundary;
    this.closed = true;
  }

  private fail(kind: FrameProblem): void {
    this.closed = true;
    this.parts = [];
    this.on.problem(kind, true);
  }

  private emit(): void {
    let msg = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    // Trailing CR of CRLF framing, and the LF some octet-counting senders add inside the frame.
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === 10 || msg[end - 1] === 13)) end--;
    if (end < msg.length) msg = msg.subarray(0, end);
    this.on.message(msg);
  }
}

/** `<PRI>` with PRI 0–191 at the start: the least every syslog message has. */
export function hasValidPri(msg: Buffer): boolean {
  if (msg.length < 3 || msg[0] !== 60) return false;
  let v = 0;
  let i = 1;
  for (; i < msg.length && i <= 4; i++) {
    const c = msg[i]!;
    if (c === 62 /* > */) break;
    if (c < 48 || c > 57) return false;
    v = v * 10 + (c - 48);
  }
  return i > 1 && i <= 4 && msg[i] === 62 && v <= 191 && !(i > 2 && msg[1] === 48);
}
