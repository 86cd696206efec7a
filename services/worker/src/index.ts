export {
  relayOnce,
  startRelay,
  relayMetrics,
  type Relay,
  type RelayMetrics,
  type RelayTarget,
} from './relay.ts';
