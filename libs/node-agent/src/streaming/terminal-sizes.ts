import type { TerminalSize } from '@logbook/runtime';

/**
 * The sizes a client sends on its resize channel (kubectl sends one at once, then one per window
 * change), as JSON objects `{"Width":…,"Height":…}`: over SPDY a stream of them separated by
 * newlines (Go's json.Encoder), over WebSocket one per message.
 */
export class TerminalSizes {
  private latest?: TerminalSize;
  private pending = '';
  private waiters: ((size: TerminalSize | undefined) => void)[] = [];
  private listener?: (size: TerminalSize) => void;

  /** Bytes of the resize channel; complete objects take effect, a partial one waits for the rest. */
  write(chunk: Buffer | string): void {
    this.pending += chunk.toString();
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    for (const part of parts) this.parse(part);
    // A WebSocket message is one whole object without a newline.
    if (this.pending.trim().endsWith('}') && this.parse(this.pending)) this.pending = '';
  }

  /** The first size, waiting at most `timeoutMs` for it (undefined: none came). */
  first(timeoutMs: number): Promise<TerminalSize | undefined> {
    if (this.latest) return Promise.resolve(this.latest);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiters.push((size) => {
        clearTimeout(timer);
        resolve(size);
      });
    });
  }

  /** Every size from now on. */
  onChange(listener: (size: TerminalSize) => void): void {
    this.listener = listener;
  }

  private parse(text: string): boolean {
    if (text.trim() === '') return false;
    let value: { Width?: unknown; Height?: unknown };
    try {
      value = JSON.parse(text);
    } catch {
      return false;
    }
    const cols = Number(value.Width);
    const rows = Number(value.Height);
    if (!(cols > 0 && rows > 0)) return true; // kubectl may report 0x0 when it cannot read its own size
    this.latest = { cols, rows };
    for (const waiter of this.waiters.splice(0)) waiter(this.latest);
    this.listener?.(this.latest);
    return true;
  }
}
