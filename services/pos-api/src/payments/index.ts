// Payments: the provider seam (provider.ts), Stripe behind it (stripe.ts), the webhook route
// (webhook.ts), and what checkout needs to turn provider failures into problem+json.
import type { Config } from '../config.ts';
import { problem, type ProblemCode, type ProblemError } from '../errors.ts';
import { PaymentProviderError, type PaymentProvider, type PaymentProviderErrorCode } from './provider.ts';
import { stripeProvider } from './stripe.ts';

export * from './provider.ts';
export { stripeProvider, toStripeAmount, fromStripeAmount, type StripeProviderOptions } from './stripe.ts';
export { paymentWebhookRoutes, type PaymentWebhookOptions } from './webhook.ts';

/** The card payment provider the configuration names, or undefined: card payments are then unavailable. */
export function cardPaymentProvider(config: Config): PaymentProvider | undefined {
  if (!config.STRIPE_SECRET_KEY || !config.STRIPE_WEBHOOK_SECRET) return undefined;
  return stripeProvider({
    secretKey: config.STRIPE_SECRET_KEY,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET,
    ...(config.STRIPE_API_HOST ? { host: config.STRIPE_API_HOST } : {}),
    ...(config.STRIPE_API_PORT ? { port: config.STRIPE_API_PORT } : {}),
    ...(config.STRIPE_API_PROTOCOL ? { protocol: config.STRIPE_API_PROTOCOL } : {}),
    ...(config.CARD_READER_SIMULATION ? { simulatedReaders: true } : {}),
  });
}

/** For checkout: the provider, or the `payment_method_unavailable` problem (cash still works). */
export function requireCardPayments(provider: PaymentProvider | undefined): PaymentProvider {
  if (!provider) {
    throw problem(
      'payment_method_unavailable',
      'card payments need STRIPE_SECRET_KEY; take cash or an external tender',
    );
  }
  return provider;
}

const PROBLEM_OF = {
  webhook_signature_invalid: 'webhook_signature_invalid',
  idempotency_conflict: 'payment_idempotency_conflict',
  rejected: 'payment_rejected',
  amount_not_supported: 'payment_amount_not_supported',
  reader_unavailable: 'card_reader_unavailable',
  not_found: 'payment_provider_not_found',
  provider_unavailable: 'payment_provider_unavailable',
  // Our keys were refused: the client can do nothing about it, the operator can.
  provider_misconfigured: 'payment_provider_unavailable',
} as const satisfies Record<PaymentProviderErrorCode, Parameters<typeof problem>[0]>;

/** What checkout's card steps can answer: no provider configured, or the provider's failures. */
export const CARD_PAYMENT_PROBLEMS = [
  'payment_method_unavailable',
  ...new Set(Object.values(PROBLEM_OF).filter((code) => code !== 'webhook_signature_invalid')),
] as const satisfies readonly ProblemCode[];

/** A provider failure as problem+json; anything else is rethrown as it is (a bug: 500). */
export function paymentProblem(error: unknown): ProblemError {
  if (!(error instanceof PaymentProviderError)) throw error;
  const detail =
    error.code === 'provider_misconfigured' ? 'the payment provider refused our credentials' : error.message;
  return problem(PROBLEM_OF[error.code], detail, {
    ...(error.providerCode ? { extensions: { providerCode: error.providerCode } } : {}),
  });
}
