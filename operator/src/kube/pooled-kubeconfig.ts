// A KubeConfig whose API clients share one connection pool. client-node 2.0 builds a new undici
// Agent for every request (KubeConfig.applySecurityAuthentication), so every API call paid a TCP
// and TLS handshake: about a third of the operator's CPU in the benchmark's profile. Here the
// first Agent is kept and handed to every later request while the cluster and user stay the same
// (a changed kubeconfig gets a new pool; the old one is closed).
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class PooledKubeConfig extends KubeConfig {
  #pool?: { key: string; dispatcher: Dispatcher };

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const created = context.getDispatcher();
    if (!created) return;
    const key = JSON.stringify([this.getCurrentCluster(), this.getCurrentUser()]);
    if (this.#pool?.key === key) {
      // Never used: it holds no connection.
      void created.close();
    } else {
      void this.#pool?.dispatcher.close();
      this.#pool = { key, dispatcher: created };
    }
    context.setDispatcher(this.#pool.dispatcher);
  }
}
