import type { BusMessage } from '../event-bus.port';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Default session timeout of consumers (the broker's group.min.session.timeout.ms bounds it). */
  readonly sessionTimeoutMs?: number;
  /**
   * kafkajs heartbeats from inside its fetch loop, at most this often; a member notices a
   * rebalance only at its next heartbeat, so lower means faster takeover.
   */
  readonly heartbeatIntervalMs?: number;
  /** Long-poll limit of a fetch; an idle member also notices rebalances only after it. */
  readonly maxWaitTimeMs?: number;
  readonly rebalanceTimeoutMs?: number;
  /** How long a connection attempt or a request may take before it is retried. */
  readonly connectionTimeoutMs?: number;
  readonly onError?: (error: unknown, message: BusMessage) => void;
}

/** Timings for a control plane: faster failover than kafkajs' defaults (30 s / 3 s / 5 s). */
export const KAFKA_DEFAULTS = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  maxWaitTimeMs: 500,
  rebalanceTimeoutMs: 20_000,
  connectionTimeoutMs: 3_000,
} as const;
