import type { StoredEvent } from '@logbook/events';
import { anEvent, eventually } from '../testing/fixtures';
import { CatchUpSubscription } from './catch-up-subscription';

function log(count: number): StoredEvent[] {
  return Array.from({ length: count }, (_, i) => ({ ...anEvent(), position: i + 1, stream: 's', revision: i }));
}

describe('CatchUpSubscription', () => {
  it('ends delivery at a failing handler and reports the error through done', async () => {
    const events = log(5);
    const seen: number[] = [];
    const sub = new CatchUpSubscription(
      { head: () => events.length, readPage: async (after, limit) => events.slice(after, after + limit) },
      0,
      (e) => {
        if (e.position === 3) throw new Error('handler broke');
        seen.push(e.position);
      },
    );
    await expect(sub.done).rejects.toThrow('handler broke');
    expect(seen).toEqual([1, 2]);
    expect(sub.position).toBe(2);
    await sub.close();
  });

  it('reads in pages and wakes up on notify', async () => {
    const events = log(7);
    let head = 5;
    const pages: number[] = [];
    const seen: number[] = [];
    const sub = new CatchUpSubscription(
      {
        head: () => head,
        readPage: async (after, limit) => {
          const page = events.slice(after, Math.min(head, after + limit));
          pages.push(page.length);
          return page;
        },
      },
      0,
      (e) => void seen.push(e.position),
      2,
    );
    await eventually(() => expect(seen).toEqual([1, 2, 3, 4, 5]));
    head = 7;
    sub.notify();
    await eventually(() => expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]));
    expect(Math.max(...pages)).toBe(2);
    await sub.close();
  });
});
