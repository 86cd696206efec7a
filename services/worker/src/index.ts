export {
  relayOnce,
  startRelay,
  relayMetrics,
  type Relay,
  type RelayMetrics,
  type RelayTarget,
} from './relay.ts';
export {
  DEFAULT_MAIL_POLICY,
  receiptMailMetrics,
  sendDueMails,
  smtpTransport,
  startMailSender,
  type MailPolicy,
  type MailTarget,
  type MailTransport,
} from './receipt-mail.ts';
export { startPolling, type PollingLoop } from './polling.ts';
