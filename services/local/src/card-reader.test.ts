// npm start's card reader: simulated only without Stripe keys and outside a cluster; the settings it
// gives the POS API are ones its configuration accepts (and turn the simulation on).
import { loadConfig } from '@cloudpos/pos-api';
import { TEST_AUTH_SECRET, TEST_PIN_PEPPERS } from '@cloudpos/pos-api/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { cardReaderSetup, type CardReaderSetup } from './card-reader.ts';

const started: CardReaderSetup[] = [];
afterEach(async () => {
  for (const setup of started.splice(0)) await setup.fake?.stop();
});

const apiBase = {
  DATABASE_URL: 'postgres://localhost/x',
  REDIS_URL: 'redis://localhost:6379',
  AUTH_SECRET: TEST_AUTH_SECRET,
  PIN_PEPPERS: TEST_PIN_PEPPERS,
  TENANT_MODE: 'pooled',
};

describe('the card reader under npm start', () => {
  it('is Stripe’s simulated reader on the local fake without keys, in settings the POS API accepts', async () => {
    const setup = await cardReaderSetup({});
    started.push(setup);
    expect(setup.fake).toBeDefined();
    expect(setup.description).toMatch(
      /^simulated, no real money \(Stripe test fake on http:\/\/127\.0\.0\.1:\d+\)/,
    );
    expect(setup.env).toMatchObject({ CARD_READER_SIMULATION: 'true', STRIPE_API_HOST: '127.0.0.1' });
    expect(setup.env.STRIPE_SECRET_KEY).toMatch(/^sk_test_/);
    expect(loadConfig({ ...apiBase, ...setup.env }).CARD_READER_SIMULATION).toBe(true);
  });

  it('is never simulated with Stripe keys or inside a Kubernetes cluster', async () => {
    const withKeys = await cardReaderSetup({ STRIPE_SECRET_KEY: 'sk_live_RealMoney' });
    expect(withKeys.fake).toBeUndefined();
    expect(withKeys.env).toEqual({});
    expect(withKeys.description).toMatch(/no simulated reader/);
    expect(withKeys.description).not.toContain('sk_live_RealMoney');
    const inCluster = await cardReaderSetup({ KUBERNETES_SERVICE_HOST: '10.96.0.1' });
    expect(inCluster.fake).toBeUndefined();
    expect(inCluster.env).toEqual({});
  });
});
