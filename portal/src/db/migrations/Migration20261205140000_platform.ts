import { Migration } from '@mikro-orm/migrations';

/**
 * The platform schema: merchant accounts and their users, portal sessions, e-mail tokens, the
 * tenants they ordered, Stripe subscriptions, processed webhook events, an audit trail and rate
 * limit counters. Secrets that could sign someone in (session ids, e-mail tokens) are stored only
 * as SHA-256 hashes.
 */
export class Migration20261205140000_platform extends Migration {
  override name = 'Migration20261205140000_platform';

  override up(): void {
    this.addSql(`create table "account" (
      "id" uuid primary key default gen_random_uuid(),
      "name" varchar(120) not null,
      "stripe_customer_id" varchar(255) unique,
      "created_at" timestamptz not null default now()
    );`);
    this.addSql(`create table "app_user" (
      "id" uuid primary key default gen_random_uuid(),
      "account_id" uuid not null references "account" ("id") on delete cascade,
      "email" varchar(254) not null,
      "password_hash" varchar(255) not null,
      "role" varchar(20) not null check ("role" in ('owner', 'manager')),
      "email_verified_at" timestamptz,
      "created_at" timestamptz not null default now()
    );`);
    this.addSql(`create unique index "app_user_email_unique" on "app_user" (lower("email"));`);
    this.addSql(`create table "session" (
      "id_hash" bytea primary key,
      "user_id" uuid not null references "app_user" ("id") on delete cascade,
      "created_at" timestamptz not null default now(),
      "expires_at" timestamptz not null
    );`);
    this.addSql(`create index "session_user_idx" on "session" ("user_id");`);
    this.addSql(`create table "email_token" (
      "token_hash" bytea primary key,
      "user_id" uuid not null references "app_user" ("id") on delete cascade,
      "purpose" varchar(30) not null check ("purpose" in ('verify_email')),
      "expires_at" timestamptz not null,
      "used_at" timestamptz
    );`);
    this.addSql(`create table "tenant" (
      "id" uuid primary key default gen_random_uuid(),
      "account_id" uuid not null references "account" ("id"),
      "slug" varchar(40) not null unique,
      "display_name" varchar(120) not null,
      "plan" varchar(20) not null,
      "currency" char(3) not null,
      "state" varchar(20) not null check ("state" in ('awaiting_payment', 'provisioning', 'provisioned', 'failed')),
      "manifest" jsonb,
      "last_error" text,
      "checkout_session_id" varchar(255) unique,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now()
    );`);
    this.addSql(`create index "tenant_account_idx" on "tenant" ("account_id");`);
    this.addSql(`create table "subscription" (
      "id" varchar(255) primary key,
      "account_id" uuid not null references "account" ("id"),
      "tenant_id" uuid not null unique references "tenant" ("id"),
      "status" varchar(30) not null,
      "price_id" varchar(255),
      "updated_at" timestamptz not null default now()
    );`);
    this.addSql(`create table "webhook_event" (
      "id" varchar(255) primary key,
      "type" varchar(100) not null,
      "received_at" timestamptz not null default now()
    );`);
    this.addSql(`create table "audit" (
      "id" bigserial primary key,
      "account_id" uuid references "account" ("id") on delete set null,
      "user_id" uuid references "app_user" ("id") on delete set null,
      "action" varchar(60) not null,
      "detail" jsonb not null default '{}',
      "at" timestamptz not null default now()
    );`);
    this.addSql(`create table "rate_limit" (
      "key" varchar(300) not null,
      "window_start" timestamptz not null,
      "hits" integer not null,
      primary key ("key", "window_start")
    );`);
  }

  override down(): void {
    for (const table of [
      'rate_limit',
      'audit',
      'webhook_event',
      'subscription',
      'tenant',
      'email_token',
      'session',
      'app_user',
      'account',
    ])
      this.addSql(`drop table if exists "${table}" cascade;`);
  }
}
