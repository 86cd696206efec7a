import { Migration } from '@mikro-orm/migrations';

export class Migration20261124100143_staff_and_devices extends Migration {
  override name = 'Migration20261124100143_staff_and_devices';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "audit_entry" ("id" bigserial primary key, "at" timestamptz not null default now(), "action" varchar(64) not null, "outcome" varchar(16) not null, "actor_staff_id" uuid null, "actor_role" varchar(16) null, "device_id" uuid null, "target_type" varchar(32) null, "target_id" varchar(64) null, "amount" bigint null, "approver_staff_id" uuid null, "approval_id" uuid null, "trace_id" varchar(32) null, "detail" jsonb null);`,
    );
    this.addSql(`create index "audit_entry_at_index" on "audit_entry" ("at");`);

    this.addSql(
      `create table "staff_member" ("id" uuid not null, "code" varchar(16) not null, "display_name" varchar(100) not null, "role" text not null, "pin_hash" varchar(200) not null, "failed_pin_attempts" int not null default 0, "lockouts" int not null default 0, "locked_until" timestamptz null, "active" boolean not null default true, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`alter table "staff_member" add constraint "staff_member_code_unique" unique ("code");`);

    this.addSql(
      `create table "till_device" ("id" uuid not null, "name" varchar(100) not null, "store_id" uuid null, "secret_hash" varchar(64) not null, "registered_by_id" uuid null, "revoked_at" timestamptz null, "last_seen_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );

    this.addSql(
      `create table "refresh_token" ("id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "staff_id" uuid not null, "device_id" uuid not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "refresh_token_family_id_index" on "refresh_token" ("family_id");`);
    this.addSql(
      `alter table "refresh_token" add constraint "refresh_token_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "manager_approval" ("id" uuid not null, "action" varchar(64) not null, "amount" bigint null, "approver_id" uuid not null, "requested_by_id" uuid null, "device_id" uuid not null, "expires_at" timestamptz not null, "consumed_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );

    this.addSql(
      `alter table "staff_member" add constraint "staff_member_role_check" check ("role" in ('owner', 'manager', 'cashier'));`,
    );

    this.addSql(
      `alter table "till_device" add constraint "till_device_store_id_foreign" foreign key ("store_id") references "store" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "till_device" add constraint "till_device_registered_by_id_foreign" foreign key ("registered_by_id") references "staff_member" ("id") on delete set null;`,
    );

    this.addSql(
      `alter table "refresh_token" add constraint "refresh_token_staff_id_foreign" foreign key ("staff_id") references "staff_member" ("id");`,
    );
    this.addSql(
      `alter table "refresh_token" add constraint "refresh_token_device_id_foreign" foreign key ("device_id") references "till_device" ("id");`,
    );

    this.addSql(
      `alter table "manager_approval" add constraint "manager_approval_approver_id_foreign" foreign key ("approver_id") references "staff_member" ("id");`,
    );
    this.addSql(
      `alter table "manager_approval" add constraint "manager_approval_requested_by_id_foreign" foreign key ("requested_by_id") references "staff_member" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "manager_approval" add constraint "manager_approval_device_id_foreign" foreign key ("device_id") references "till_device" ("id");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "till_device" drop constraint "till_device_registered_by_id_foreign";`);
    this.addSql(`alter table "refresh_token" drop constraint "refresh_token_staff_id_foreign";`);
    this.addSql(`alter table "manager_approval" drop constraint "manager_approval_approver_id_foreign";`);
    this.addSql(`alter table "manager_approval" drop constraint "manager_approval_requested_by_id_foreign";`);
    this.addSql(`alter table "refresh_token" drop constraint "refresh_token_device_id_foreign";`);
    this.addSql(`alter table "manager_approval" drop constraint "manager_approval_device_id_foreign";`);

    this.addSql(`drop table if exists "audit_entry" cascade;`);
    this.addSql(`drop table if exists "staff_member" cascade;`);
    this.addSql(`drop table if exists "till_device" cascade;`);
    this.addSql(`drop table if exists "refresh_token" cascade;`);
    this.addSql(`drop table if exists "manager_approval" cascade;`);
  }
}
