export { Relay, relayCheckpointName, type RelayOptions, type RelayLogger } from './relay';
export { relayMessage, parseRelayed, nodeTopic, podEventNodes, EVENT_TYPE_HEADER, type RelayedEvent } from './relay-message';
