// NetworkPolicies: deny everything, then allow ingress from the ingress controller, the namespace
// itself and (when configured) Prometheus on the metrics ports, and egress to DNS and the shared infrastructure only (the SMTP relay too, when mail is sent).
import type { V1NetworkPolicy, V1NetworkPolicyPeer } from '@kubernetes/client-node';
import { databaseClusterNamed, type EgressTarget, type OperatorConfig } from '../config.ts';
import type { Tenant } from '../generated/tenant.ts';
import { objectMeta } from './metadata.ts';
import { API_PORT, WORKER_METRICS_PORT } from './workloads.ts';

export function buildNetworkPolicies(
  tenant: Tenant,
  config: OperatorConfig,
  /** The database cluster the tenant was placed on: its pods reach that one only. */
  databaseCluster: string,
  /** The worker sends receipt e-mails: its pods may reach `egress.smtp` when the config names it. */
  sendsMail: boolean,
): V1NetworkPolicy[] {
  const policy = (name: string, spec: V1NetworkPolicy['spec']): V1NetworkPolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: objectMeta(tenant, name),
    spec,
  });
  const { dns, nats, redis, otelCollector } = config.egress;
  const postgres = databaseClusterNamed(config, databaseCluster).egress ?? config.egress.postgres;
  const smtp = sendsMail ? config.egress.smtp : undefined;
  return [
    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('allow-ingress', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          _from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': config.ingressNamespace } },
            },
            { podSelector: {} },
          ],
        },
        ...(config.monitoring
          ? [
              {
                _from: [peer({ name: 'monitoring', port: 0, ...config.monitoring })],
                ports: [
                  { protocol: 'TCP', port: API_PORT },
                  { protocol: 'TCP', port: WORKER_METRICS_PORT },
                ],
              },
            ]
          : []),
      ],
    }),
    policy('allow-egress', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [peer(dns)],
          ports: [
            { protocol: 'UDP', port: dns.port },
            { protocol: 'TCP', port: dns.port },
          ],
        },
        ...[postgres, nats, redis, otelCollector, ...(smtp ? [smtp] : [])].map((target) => ({
          to: [peer(target)],
          ports: [{ protocol: 'TCP', port: target.port }],
        })),
        { to: [{ podSelector: {} }] },
      ],
    }),
  ];
}

function peer(target: EgressTarget): V1NetworkPolicyPeer {
  if (target.cidr) return { ipBlock: { cidr: target.cidr } };
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': target.namespace ?? 'default' } },
    ...(target.podLabels ? { podSelector: { matchLabels: target.podLabels } } : {}),
  };
}
