/**
 * Serialises work per key (one object's stream) inside this process. Writes to one object
 * decide against the state their predecessor produced, so a client that sends no
 * resourceVersion never sees a spurious conflict; writes to different objects run in
 * parallel and meet again in the store's group commit.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
