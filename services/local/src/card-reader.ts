// The till's card tender under `npm start`. Without Stripe keys, a newcomer still gets to try a card
// sale end to end: the project's Stripe test fake (Stripe's API shapes, keys and idempotency, no
// network, no money) runs in this process and the pooled POS API drives Stripe's simulated reader
// on it (CARD_READER_SIMULATION); the till shows that reader's test cards in a labelled panel.
// The POS API refuses the simulation with a live key, a Stripe API off this machine, dedicated mode
// or inside a cluster (its config.ts); here it is simply not started where it could be refused.
import { StripeFake } from '@cloudpos/harness';

export interface CardReaderSetup {
  /** Added to the POS API's environment. */
  env: Record<string, string>;
  /** The fake behind the simulated reader, when there is one (stopped with the platform). */
  fake?: StripeFake;
  /** What `npm start` prints on its "Card reader" line. */
  description: string;
}

export async function cardReaderSetup(env: NodeJS.ProcessEnv = process.env): Promise<CardReaderSetup> {
  if (env.STRIPE_SECRET_KEY) {
    // The POS API inherits the environment: its Stripe settings are the caller's.
    return {
      env: {},
      description:
        'Stripe (STRIPE_SECRET_KEY): the tenant’s Terminal readers, no simulated reader (it never runs with your keys)',
    };
  }
  if (env.KUBERNETES_SERVICE_HOST) {
    return { env: {}, description: 'none: the simulated reader never runs inside a Kubernetes cluster' };
  }
  const fake = await StripeFake.start();
  return {
    fake,
    env: { ...fake.posApiEnv(), CARD_READER_SIMULATION: 'true' },
    description: `simulated, no real money (Stripe test fake on ${fake.url}): the till’s Card tender shows its test cards`,
  };
}
