// Card payment settings: both secrets or neither, never echoed; without them card payments are
// unavailable with a clear problem code while the rest of the API runs.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { ProblemError } from '../errors.ts';
import { TEST_AUTH_SECRET, TEST_PIN_PEPPERS } from '../test-support.ts';
import {
  cardPaymentProvider,
  paymentProblem,
  PaymentProviderError,
  requireCardPayments,
  stripeProvider,
} from './index.ts';

const base = {
  DATABASE_URL: 'postgres://localhost/x',
  REDIS_URL: 'redis://localhost:6379',
  AUTH_SECRET: TEST_AUTH_SECRET,
  PIN_PEPPERS: TEST_PIN_PEPPERS,
  TENANT_MODE: 'pooled',
};
const SECRET_KEY = 'sk_test_51SecretValueThatMustNeverBePrinted';
const WEBHOOK_SECRET = 'whsec_AnotherSecretValueNeverPrinted';

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('Stripe settings', () => {
  it('are optional: without them card payments are unavailable, with a stable problem code', () => {
    const config = loadConfig(base);
    expect(cardPaymentProvider(config)).toBeUndefined();
    const error = (() => {
      try {
        requireCardPayments(cardPaymentProvider(config));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ status: 422, code: 'payment_method_unavailable' });
  });

  it('give a Stripe provider when both secrets are set, pointed at another host for tests', () => {
    const config = loadConfig({
      ...base,
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: '12111',
      STRIPE_API_PROTOCOL: 'http',
    });
    expect(config.STRIPE_API_PORT).toBe(12111);
    expect(requireCardPayments(cardPaymentProvider(config)).name).toBe('stripe');
  });

  it('fail fast when one secret comes without the other, naming the setting but not the value', () => {
    const onlyKey = configError({ STRIPE_SECRET_KEY: SECRET_KEY });
    expect(onlyKey).toMatch(/STRIPE_WEBHOOK_SECRET is not set/);
    expect(onlyKey).not.toContain(SECRET_KEY);
    expect(configError({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET })).toMatch(/STRIPE_SECRET_KEY is not set/);
  });

  it('refuse a malformed key without printing it, and a live key sent anywhere but Stripe', () => {
    const malformed = configError({
      STRIPE_SECRET_KEY: 'pk_test_publishable',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    expect(malformed).toMatch(/STRIPE_SECRET_KEY is invalid/);
    expect(malformed).not.toContain('pk_test_publishable');
    const live = configError({
      STRIPE_SECRET_KEY: 'sk_live_RealMoney',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_HOST: '127.0.0.1',
    });
    expect(live).toMatch(/live STRIPE_SECRET_KEY goes to Stripe only/);
    expect(live).not.toContain('sk_live_RealMoney');
  });
});

describe('the simulated card reader (CARD_READER_SIMULATION, npm start only)', () => {
  const local = {
    STRIPE_SECRET_KEY: SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: '12111',
    STRIPE_API_PROTOCOL: 'http',
    CARD_READER_SIMULATION: 'true',
  };

  it('is off unless asked for; on, the provider drives simulated readers', () => {
    const plain = loadConfig({ ...base, ...local, CARD_READER_SIMULATION: '' });
    expect(plain.CARD_READER_SIMULATION).toBe(false);
    expect(cardPaymentProvider(plain)?.simulator).toBeUndefined();
    const simulated = loadConfig({ ...base, ...local });
    expect(cardPaymentProvider(simulated)?.simulator).toBeDefined();
  });

  it('is refused with a live key, without the key value in the message', () => {
    const live = configError({ ...local, STRIPE_SECRET_KEY: 'sk_live_RealMoney' });
    expect(live).toMatch(/CARD_READER_SIMULATION is refused with a live STRIPE_SECRET_KEY/);
    expect(live).not.toContain('sk_live_RealMoney');
    expect(configError({ ...local, STRIPE_SECRET_KEY: 'rk_live_RealMoney' })).toMatch(
      /live STRIPE_SECRET_KEY/,
    );
  });

  it('is refused without Stripe settings, or with a Stripe API that is not on this machine', () => {
    expect(configError({ CARD_READER_SIMULATION: 'true' })).toMatch(
      /CARD_READER_SIMULATION is refused without a test STRIPE_SECRET_KEY/,
    );
    expect(configError({ ...local, STRIPE_API_HOST: 'api.stripe.com' })).toMatch(
      /unless STRIPE_API_HOST is this machine/,
    );
    const { STRIPE_API_HOST: _host, ...toStripe } = local;
    expect(configError(toStripe)).toMatch(/unless STRIPE_API_HOST is this machine/);
  });

  it('is refused in dedicated mode and inside a Kubernetes cluster', () => {
    expect(
      configError({ ...local, TENANT_MODE: 'dedicated', TENANT_SLUG: 'acme', TENANT_CURRENCY: 'EUR' }),
    ).toMatch(/CARD_READER_SIMULATION is refused in dedicated mode/);
    expect(configError({ ...local, KUBERNETES_SERVICE_HOST: '10.96.0.1' })).toMatch(
      /CARD_READER_SIMULATION is refused inside a Kubernetes cluster/,
    );
  });

  it('cannot be had from the provider with a live key either', () => {
    expect(() =>
      stripeProvider({
        secretKey: 'sk_live_RealMoney',
        webhookSecret: WEBHOOK_SECRET,
        simulatedReaders: true,
      }),
    ).toThrow(/need a Stripe test key/);
  });
});

describe('provider errors as problems', () => {
  it.each([
    ['webhook_signature_invalid', 400, 'webhook_signature_invalid'],
    ['idempotency_conflict', 409, 'payment_idempotency_conflict'],
    ['rejected', 422, 'payment_rejected'],
    ['amount_not_supported', 422, 'payment_amount_not_supported'],
    ['reader_unavailable', 409, 'card_reader_unavailable'],
    ['not_found', 404, 'payment_provider_not_found'],
    ['provider_unavailable', 503, 'payment_provider_unavailable'],
    ['provider_misconfigured', 503, 'payment_provider_unavailable'],
  ] as const)('%s → %i %s', (code, status, problemCode) => {
    const problem = paymentProblem(new PaymentProviderError(code, 'Stripe said no', { providerCode: 'x_y' }));
    expect(problem).toMatchObject({ status, code: problemCode, extensions: { providerCode: 'x_y' } });
  });

  it('does not tell clients what our credentials problem is', () => {
    expect(
      paymentProblem(
        new PaymentProviderError('provider_misconfigured', 'Invalid API Key provided: sk_test_****1234'),
      ).message,
    ).not.toMatch(/sk_/);
  });

  it('rethrows anything that is not a provider error', () => {
    const bug = new TypeError('a bug');
    expect(() => paymentProblem(bug)).toThrow(bug);
  });
});
