import { BusError } from '../errors';

/** Translates a kafkajs error into the port's BusError, keeping kafkajs' `retriable` verdict. */
export function toBusError(error: unknown, during: string): BusError {
  if (error instanceof BusError) return error;
  const e = error as { name?: string; message?: string; retriable?: boolean; type?: string };
  const isKafkaJs = typeof e?.name === 'string' && e.name.startsWith('KafkaJS');
  return new BusError(`${during}: ${e?.message ?? String(error)}`, {
    code: e?.type ?? e?.name ?? 'BusError',
    retriable: isKafkaJs ? e.retriable !== false : false,
    cause: error,
  });
}

export async function translated<T>(during: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toBusError(error, during);
  }
}
