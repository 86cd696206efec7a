import { Migration } from '@mikro-orm/migrations';

/**
 * Platform operators: their own logins (made with `npm run platform-admin`, never through the
 * portal) and sessions, apart from merchants'. A tenant suspended by an operator stays suspended
 * whatever billing says until an operator resumes it.
 */
export class Migration20261206100000_platform_admin extends Migration {
  override name = 'Migration20261206100000_platform_admin';

  override up(): void {
    this.addSql(`create table "admin_user" (
      "id" uuid primary key default gen_random_uuid(),
      "email" varchar(254) not null,
      "password_hash" varchar(255) not null,
      "created_at" timestamptz not null default now()
    );`);
    this.addSql(`create unique index "admin_user_email_unique" on "admin_user" (lower("email"));`);
    this.addSql(`create table "admin_session" (
      "id_hash" bytea primary key,
      "admin_id" uuid not null references "admin_user" ("id") on delete cascade,
      "created_at" timestamptz not null default now(),
      "expires_at" timestamptz not null
    );`);
    this.addSql(`create index "admin_session_admin_idx" on "admin_session" ("admin_id");`);
    this.addSql(`alter table "tenant" add column "operator_suspended_at" timestamptz,
      add column "operator_suspended_by" varchar(254), add column "operator_suspend_reason" varchar(500);`);
    this.addSql(
      `alter table "audit" add column "admin_id" uuid references "admin_user" ("id") on delete set null;`,
    );
  }

  override down(): void {
    this.addSql(`alter table "audit" drop column "admin_id";`);
    this
      .addSql(`alter table "tenant" drop column "operator_suspended_at", drop column "operator_suspended_by",
      drop column "operator_suspend_reason";`);
    this.addSql(`drop table if exists "admin_session";`);
    this.addSql(`drop table if exists "admin_user";`);
  }
}
