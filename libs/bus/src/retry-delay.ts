/** Exponential back-off for a failing handler: 100 ms, 200 ms, … capped at 5 s. */
export function retryDelay(attempt: number): number {
  return Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
}
