import { Migration } from '@mikro-orm/migrations';

/**
 * Merchant accounts with several members, and invitations to join one. A person (`app_user`, one
 * e-mail, one password) may belong to several accounts, each with its own role (`membership`);
 * `app_user.account_id` is the account they are working in, always one of their memberships (a
 * deferred foreign key, so a user and their first membership are written in one transaction).
 * Invitations are stored with the SHA-256 of their link's token; at most one is open per address
 * and account.
 */
export class Migration20261206090000_members extends Migration {
  override name = 'Migration20261206090000_members';

  override up(): void {
    this.addSql(`create table "membership" (
      "account_id" uuid not null references "account" ("id") on delete cascade,
      "user_id" uuid not null references "app_user" ("id") on delete cascade,
      "role" varchar(20) not null check ("role" in ('owner', 'manager')),
      "created_at" timestamptz not null default now(),
      primary key ("account_id", "user_id")
    );`);
    this.addSql(`create index "membership_user_idx" on "membership" ("user_id");`);
    this.addSql(
      `insert into "membership" ("account_id", "user_id", "role", "created_at") select "account_id", "id", "role", "created_at" from "app_user";`,
    );
    this.addSql(`alter table "app_user" drop column "role";`);
    this.addSql(`alter table "app_user" add constraint "app_user_current_membership_fk"
      foreign key ("account_id", "id") references "membership" ("account_id", "user_id")
      deferrable initially deferred;`);
    this.addSql(`create table "invitation" (
      "id" uuid primary key default gen_random_uuid(),
      "account_id" uuid not null references "account" ("id") on delete cascade,
      "email" varchar(254) not null,
      "role" varchar(20) not null check ("role" in ('owner', 'manager')),
      "token_hash" bytea not null unique,
      "invited_by" uuid references "app_user" ("id") on delete set null,
      "created_at" timestamptz not null default now(),
      "expires_at" timestamptz not null,
      "accepted_at" timestamptz,
      "accepted_by" uuid references "app_user" ("id") on delete set null,
      "revoked_at" timestamptz
    );`);
    this.addSql(`create unique index "invitation_open_unique" on "invitation" ("account_id", lower("email"))
      where "accepted_at" is null and "revoked_at" is null;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "invitation";`);
    this.addSql(`alter table "app_user" drop constraint "app_user_current_membership_fk";`);
    this.addSql(
      `alter table "app_user" add column "role" varchar(20) check ("role" in ('owner', 'manager'));`,
    );
    this.addSql(
      `update "app_user" u set "role" = m."role" from "membership" m where m."user_id" = u."id" and m."account_id" = u."account_id";`,
    );
    this.addSql(`alter table "app_user" alter column "role" set not null;`);
    this.addSql(`drop table if exists "membership";`);
  }
}
