import { TerminalSizes } from './terminal-sizes';

describe('TerminalSizes', () => {
  it('reads Go json.Encoder output split anywhere (SPDY resize stream)', async () => {
    const sizes = new TerminalSizes();
    const seen: unknown[] = [];
    sizes.onChange((s) => seen.push(s));
    sizes.write('{"Width":100,"Hei');
    sizes.write('ght":30}\n{"Width":120,"Height":50}\n');
    expect(seen).toEqual([
      { cols: 100, rows: 30 },
      { cols: 120, rows: 50 },
    ]);
    expect(await sizes.first(0)).toEqual({ cols: 120, rows: 50 });
  });

  it('reads one object per WebSocket message, without a newline', async () => {
    const sizes = new TerminalSizes();
    const first = sizes.first(5_000);
    sizes.write(Buffer.from('{"Width":80,"Height":24}'));
    expect(await first).toEqual({ cols: 80, rows: 24 });
  });

  it('ignores a zero size and gives up waiting for the first one at the deadline', async () => {
    const sizes = new TerminalSizes();
    sizes.write('{"Width":0,"Height":0}\n');
    expect(await sizes.first(1)).toBeUndefined();
  });
});
