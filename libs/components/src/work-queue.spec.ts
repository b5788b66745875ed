import { WorkQueue } from './work-queue';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.next()).toBe('a');
    expect(await q.next()).toBe('b');
  });

  it('runs a key again after the current run when it was added while processing', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = (await q.next())!;
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key);
    expect(q.length).toBe(1);
    expect(await q.next()).toBe('a');
  });

  describe('a key added after a delay', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('keeps the earlier of two delays, as client-go does', () => {
      const q = new WorkQueue();
      q.addAfter('a', 10_000);
      q.addAfter('a', 300);
      q.addAfter('a', 5_000);
      jest.advanceTimersByTime(300);
      expect(q.length).toBe(1);
    });
  });

  describe('a key that rests after its run', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('defers adds during the rest and runs once when it ends, with adds from during the run too', async () => {
      const q = new WorkQueue();
      q.add('a');
      const key = (await q.next())!;
      q.add('a'); // while processing
      q.done(key, 40);
      q.add('a'); // while resting
      q.add('b');
      expect(q.length).toBe(1);
      expect(q.idle).toBe(false);
      expect(await q.next()).toBe('b');
      q.done('b');
      jest.advanceTimersByTime(40);
      expect(q.length).toBe(1);
      expect(await q.next()).toBe('a');
    });

    it('queues nothing after the rest when nothing came', async () => {
      const q = new WorkQueue();
      q.add('a');
      q.done((await q.next())!, 40);
      expect(q.idle).toBe(true);
      jest.advanceTimersByTime(40);
      expect(q.length).toBe(0);
      q.add('a');
      expect(q.length).toBe(1);
    });

    it('does not rest for less than a millisecond', async () => {
      const q = new WorkQueue();
      q.add('a');
      q.done((await q.next())!, 0.5);
      q.add('a');
      expect(q.length).toBe(1);
    });
  });

  it('is idle only when nothing is queued, running or scheduled', async () => {
    const q = new WorkQueue(1_000);
    expect(q.idle).toBe(true);
    q.add('a');
    expect(q.idle).toBe(false);
    const key = (await q.next())!;
    expect(q.idle).toBe(false);
    q.done(key);
    q.addRateLimited('a');
    expect(q.idle).toBe(false);
    q.close();
    expect(q.idle).toBe(true);
  });

  it('ends next() with undefined once closed', async () => {
    const q = new WorkQueue();
    const pending = q.next();
    q.close();
    await expect(pending).resolves.toBeUndefined();
  });
});

describe('WorkQueue with several workers', () => {
  it('wakes every waiting worker: each add one, close all', async () => {
    const q = new WorkQueue();
    const w1 = q.next();
    const w2 = q.next();
    q.add('a');
    q.add('b');
    expect((await Promise.all([w1, w2])).sort()).toEqual(['a', 'b']);
    const w3 = q.next();
    const w4 = q.next();
    q.close();
    await expect(Promise.all([w3, w4])).resolves.toEqual([undefined, undefined]);
  });
});
