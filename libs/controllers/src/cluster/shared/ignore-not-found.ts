import { ClientError } from '@logbook/components';

/**
 * Runs a write whose target may already be gone (another controller, the user, or an earlier
 * attempt deleted it). The host would drop the whole key on a 404, abandoning the writes that
 * follow in the same reconcile, so a 404 on one object is swallowed here instead.
 */
export async function ignoreNotFound(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (err instanceof ClientError && err.isNotFound) return false;
    throw err;
  }
}
