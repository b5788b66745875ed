/**
 * kube's slowStartBatch: run `count` calls in batches of 1, 2, 4, … concurrently, stopping at
 * the first batch with a failure, so a create that always fails (quota, invalid template)
 * costs one call rather than hundreds. Returns the successes and the first error.
 */
export async function slowStartBatch(count: number, fn: () => Promise<void>, initialBatch = 1): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatch); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0].reason };
    remaining -= batch;
  }
  return { successes };
}
