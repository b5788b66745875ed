import pino, { type Logger } from 'pino';

/** Structured JSON logs on stderr; LOG_LEVEL picks the level (info by default). */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { component: name } }, pino.destination(2));
}
