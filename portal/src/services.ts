// The portal's server-side services, built once per process from the configuration and handed to
// every loader and action through React Router's context (see app/context.ts). Route modules only
// import the types: the database, Stripe and the cluster stay on this side of the bundle.
import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '@cloudpos/operator/pooled-kubeconfig';
import type { Logger } from '@cloudpos/telemetry';
import pg from 'pg';
import Stripe from 'stripe';
import type { z } from 'zod';
import type { choosePlanSchema, logInSchema, signUpSchema } from '../app/forms.ts';
import {
  logIn,
  requestPasswordReset,
  resetPassword,
  signUp,
  userById,
  verifyEmail,
  type AccountsContext,
  type PortalUser,
} from './accounts.ts';
import { enforceGracePeriods, suspendByOperator, type LifecycleContext } from './billing/lifecycle.ts';
import { openCustomerPortal, switchPlan, type PlansContext } from './billing/plans.ts';
import type { WebhookContext } from './billing/webhook.ts';
import type { PlanName, PortalConfig } from './config.ts';
import { doubleSubmitCsrf, csrfCookie, type Csrf } from './csrf.ts';
import { smtpMailer, type Mailer } from './mail.ts';
import { databaseSessions, sessionCookie, type Sessions } from './sessions.ts';
import { kubernetesProvisioner } from './tenants/kubernetes-provisioner.ts';
import { localProvisioner } from './tenants/local-provisioner.ts';
import {
  orderTenant,
  pendingTenantIds,
  provisionTenant,
  tenantOf,
  tenantsOf,
  type OrdersContext,
  type TenantSummary,
  type TenantView,
} from './tenants/orders.ts';
import type { TenantProvisioner } from './tenants/provisioner.ts';
import { storeAccess, type StoreAccess } from './pos/access.ts';
import * as members from './members.ts';
import {
  adminCookie,
  adminLogIn,
  adminSessions,
  adminTenants,
  type AdminSessions,
  type AdminTenantPage,
  type AdminTenantQuery,
  type PlatformAdmin,
} from './admin.ts';
import type { AccountRole } from '../app/rights.ts';
import { PosApiError, posApiClients } from './pos/client.ts';

export interface PortalServices {
  sessions: Sessions;
  csrf: Csrf;
  signUp(input: z.output<typeof signUpSchema>, clientAddress: string): Promise<{ userId: string }>;
  verifyEmail(token: string): Promise<string>;
  logIn(input: z.output<typeof logInSchema>, clientAddress: string): Promise<string>;
  userById(id: string): Promise<PortalUser | undefined>;
  requestPasswordReset(email: string, clientAddress: string): Promise<void>;
  resetPassword(token: string, password: string): Promise<void>;
  tenantsOf(user: PortalUser): Promise<TenantSummary[]>;
  orderTenant(user: PortalUser, input: z.output<typeof choosePlanSchema>): Promise<string>;
  tenantOf(user: PortalUser, slug: string): Promise<TenantView>;
  /** Owners: a link to Stripe's customer portal for the tenant's subscription. */
  openCustomerPortal(user: PortalUser, slug: string): Promise<string>;
  /** Owners: switch the tenant's subscription to another plan (the Tenant's plan follows). */
  switchPlan(user: PortalUser, slug: string, plan: PlanName): Promise<'switched' | 'unchanged'>;
  /** The tenant's POS API as this user (ADR 0015); `not_found` for another account's tenant. */
  storeAccess(user: PortalUser, slug: string): Promise<StoreAccess>;
  /** Aborted when the portal begins to shut down: long-lived answers (event streams) end then. */
  closing: AbortSignal;
  /** Members of the user's current account, and its open invitations. */
  membersOf(user: PortalUser): ReturnType<typeof members.membersOf>;
  inviteMember(user: PortalUser, input: { email: string; role: AccountRole }): Promise<void>;
  revokeInvitation(user: PortalUser, id: string): Promise<string>;
  changeMemberRole(user: PortalUser, input: { userId: string; role: AccountRole }): Promise<string>;
  removeMember(user: PortalUser, userId: string): Promise<string>;
  invitationByToken(token: string): Promise<members.InvitationView | undefined>;
  acceptInvitation(
    token: string,
    as: { signedIn: PortalUser | undefined; password?: string },
  ): Promise<string>;
  accountsOf(user: PortalUser): Promise<members.AccountChoice[]>;
  switchAccount(user: PortalUser, accountId: string): Promise<void>;
  /** The platform operators' view (/admin): separate logins and sessions, every tenant. */
  admin: {
    sessions: AdminSessions;
    logIn(input: { email: string; password: string; code: string }, clientAddress: string): Promise<string>;
    tenants(query?: AdminTenantQuery): Promise<AdminTenantPage>;
    /** Suspends or resumes through the Tenant's spec, the path billing uses; undefined: no such tenant. */
    suspend(
      admin: PlatformAdmin,
      input: { slug: string; suspend: boolean; reason: string },
    ): Promise<{ suspended: boolean; forBilling: boolean } | undefined>;
  };
}

export interface PortalRuntime {
  services: PortalServices;
  webhook: WebhookContext;
  /**
   * Suspends tenants whose grace period ran out and finishes paid tenants whose creation (or
   * suspension) did not go through; runs at start and then periodically.
   */
  retryPending(): Promise<void>;
  /** Ends the event streams, so that the server's close does not wait for their clients. */
  beginClose(): void;
  close(): Promise<void>;
}

export function stripeClient(config: Pick<PortalConfig, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>): Stripe {
  const target = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : undefined;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 2,
    ...(target && {
      host: target.hostname,
      port: Number(target.port),
      protocol: target.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
}

export async function createRuntime(
  config: PortalConfig,
  overrides: {
    provisioner?: TenantProvisioner;
    mailer?: Mailer;
    /** Tests inject faults (an unreachable cluster) around the real provisioner. */
    wrapProvisioner?: (provisioner: TenantProvisioner) => TenantProvisioner;
    logger?: Logger;
  } = {},
): Promise<PortalRuntime> {
  const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 5 });
  const stripe = stripeClient(config);
  const mailer = overrides.mailer ?? smtpMailer(config.SMTP_URL, config.MAIL_FROM);
  const tillUrl = (slug: string) => config.TILL_URL_TEMPLATE.replaceAll('{slug}', slug);
  const wrap = overrides.wrapProvisioner ?? ((provisioner: TenantProvisioner) => provisioner);
  const provisioner = wrap(
    overrides.provisioner ??
      (config.PROVISIONER === 'kubernetes'
        ? kubernetesProvisioner(loadKubeConfig())
        : await localProvisioner({
            databaseUrl: config.DATABASE_URL,
            tenantsDir: config.TENANTS_DIR!,
            nats: {
              url: config.NATS_URL!,
              operatorSeed: config.NATS_OPERATOR_SEED!,
              systemUserCredsFile: config.NATS_SYSTEM_CREDS_FILE!,
            },
            tillUrl,
          })),
  );
  const accounts: AccountsContext = { db, mailer, publicUrl: config.PUBLIC_URL };
  const posApiFor = config.PORTAL_TOKEN_SECRET
    ? posApiClients({
        baseUrlTemplate: config.POS_API_URL_TEMPLATE ?? config.TILL_URL_TEMPLATE,
        platformSecret: config.PORTAL_TOKEN_SECRET,
      })
    : undefined;
  const orders: OrdersContext = {
    db,
    stripe,
    prices: config.STRIPE_PRICES,
    publicUrl: config.PUBLIC_URL,
    provisioner,
    graceSeconds: config.BILLING_GRACE_SECONDS,
    ...(posApiFor && {
      // Only the tenant's API holds the secret its setup code comes from (in a cluster, its own).
      setupCode: async (slug: string, user: PortalUser) => {
        try {
          const api = posApiFor({ slug, portalUserId: user.id, role: user.role });
          return (await api.get<{ setupCode: string }>('/v1/setup/code')).data.setupCode;
        } catch (error) {
          if (error instanceof PosApiError) return undefined; // set up already, or not answering yet
          throw error;
        }
      },
    }),
  };
  const closing = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const provisionLater = (tenantId: string) => {
    const run = provisionTenant(orders, tenantId).finally(() => inFlight.delete(run));
    inFlight.add(run);
  };
  const lifecycle: LifecycleContext = {
    db,
    stripe,
    mailer,
    publicUrl: config.PUBLIC_URL,
    graceSeconds: config.BILLING_GRACE_SECONDS,
    prices: config.STRIPE_PRICES,
    provisionLater,
  };
  const plans: PlansContext = { db, stripe, publicUrl: config.PUBLIC_URL, lifecycle };
  const services: PortalServices = {
    sessions: databaseSessions(db, sessionCookie(config.SESSION_SECRETS, config.COOKIE_SECURE)),
    csrf: doubleSubmitCsrf(csrfCookie(config.SESSION_SECRETS, config.COOKIE_SECURE), config.PUBLIC_URL),
    signUp: (input, address) => signUp(accounts, input, address),
    verifyEmail: (token) => verifyEmail(accounts, token),
    logIn: (input, address) => logIn(accounts, input, address),
    userById: (id) => userById(db, id),
    requestPasswordReset: (email, address) => requestPasswordReset(accounts, email, address),
    resetPassword: (token, password) => resetPassword(accounts, token, password),
    tenantsOf: (user) => tenantsOf(db, user.accountId),
    orderTenant: (user, input) => orderTenant(orders, user, input),
    tenantOf: (user, slug) => tenantOf(orders, user, slug),
    openCustomerPortal: (user, slug) => openCustomerPortal(plans, user, slug),
    switchPlan: (user, slug, plan) => switchPlan(plans, user, slug, plan),
    storeAccess: (user, slug) => storeAccess(db, posApiFor, user, slug, tillUrl),
    closing: closing.signal,
    membersOf: (user) => members.membersOf(db, user),
    inviteMember: (user, input) => members.inviteMember(accounts, user, input),
    revokeInvitation: (user, id) => members.revokeInvitation(accounts, user, id),
    changeMemberRole: (user, input) => members.changeMemberRole(accounts, user, input),
    removeMember: (user, userId) => members.removeMember(accounts, user, userId),
    invitationByToken: (token) => members.invitationByToken(db, token),
    acceptInvitation: (token, as) => members.acceptInvitation(accounts, token, as),
    accountsOf: (user) => members.accountsOf(db, user),
    switchAccount: (user, accountId) => members.switchAccount(db, user, accountId),
    admin: {
      sessions: adminSessions(db, adminCookie(config.SESSION_SECRETS, config.COOKIE_SECURE)),
      logIn: (input, address) => adminLogIn(db, input, address),
      tenants: (query) =>
        adminTenants({ db, provisioner, graceSeconds: config.BILLING_GRACE_SECONDS }, query),
      suspend: (admin, input) => suspendByOperator(lifecycle, { ...input, admin }),
    },
  };
  return {
    services,
    webhook: { db, stripe, webhookSecret: config.STRIPE_WEBHOOK_SECRET, provisionLater, lifecycle },
    async retryPending() {
      await enforceGracePeriods(lifecycle);
      for (const id of await pendingTenantIds(db)) await provisionTenant(orders, id);
    },
    beginClose: () => closing.abort(),
    async close() {
      closing.abort();
      await Promise.allSettled([...inFlight]);
      await provisioner.close();
      mailer.close();
      await db.end();
    },
  };
}

function loadKubeConfig(): KubeConfig {
  // One connection pool for every request (client-node would open a connection per request).
  const kubeConfig = new PooledKubeConfig();
  // In a pod: the service account; elsewhere: KUBECONFIG or ~/.kube/config.
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
