import { Migration } from '@mikro-orm/migrations';

/**
 * Receipt numbers per register (ADR 0010): each till has a code (T1, T2, ...) and its own gapless
 * counter; a sale stores its register's code and its printed label; numbers a till skipped are kept
 * as gaps. Existing sales keep their store-wide numbers and labels.
 */
export class Migration20261205130000_per_register_receipts extends Migration {
  override name = 'Migration20261205130000_per_register_receipts';

  override up(): void | Promise<void> {
    this.addSql(`create sequence "register_code_seq";`);
    this.addSql(`alter table "till_device" add column "code" varchar(16) null;`);
    this.addSql(
      `update "till_device" d set "code" = 'T' || nextval('register_code_seq')
         from (select "id" from "till_device" order by "created_at", "id") o where o."id" = d."id";`,
    );
    this.addSql(
      `alter table "till_device" alter column "code" set default 'T' || nextval('register_code_seq'), alter column "code" set not null;`,
    );
    this.addSql(`alter table "till_device" add constraint "till_device_code_unique" unique ("code");`);

    this.addSql(
      `alter table "sale" add column "register_code" varchar(16) null, add column "receipt_label" varchar(80) null;`,
    );
    this.addSql(
      `update "sale" s set "receipt_label" = st."code" || '-' || lpad(s."receipt_number"::text, 6, '0')
         from "store" st where st."id" = s."store_id" and s."receipt_number" is not null;`,
    );
    this.addSql(`alter table "sale" drop constraint "sale_store_id_receipt_number_unique";`);
    this.addSql(
      `alter table "sale" add constraint "sale_device_id_receipt_number_unique" unique ("device_id", "receipt_number");`,
    );
    this.addSql(`alter table "sale" add constraint "sale_receipt_label_unique" unique ("receipt_label");`);

    this.addSql(
      `create table "register_counter" ("device_id" uuid not null, "last" bigint not null default '0', primary key ("device_id"));`,
    );
    this.addSql(
      `insert into "register_counter" ("device_id", "last")
         select "device_id", max("receipt_number") from "sale"
          where "device_id" is not null and "receipt_number" is not null group by "device_id";`,
    );
    this.addSql(
      `create table "receipt_gap" ("device_id" uuid not null, "number" bigint not null, "detected_at" timestamptz not null default now(), primary key ("device_id", "number"));`,
    );
    this.addSql(`drop table "receipt_counter";`);
  }

  override down(): void | Promise<void> {
    this.addSql(
      `create table "receipt_counter" ("store_id" uuid not null, "last" bigint not null default '0', primary key ("store_id"));`,
    );
    this.addSql(`drop table "receipt_gap";`);
    this.addSql(`drop table "register_counter";`);
    this.addSql(`alter table "sale" drop constraint "sale_receipt_label_unique";`);
    this.addSql(`alter table "sale" drop constraint "sale_device_id_receipt_number_unique";`);
    this.addSql(
      `alter table "sale" add constraint "sale_store_id_receipt_number_unique" unique ("store_id", "receipt_number");`,
    );
    this.addSql(`alter table "sale" drop column "register_code", drop column "receipt_label";`);
    this.addSql(`alter table "till_device" drop column "code";`);
    this.addSql(`drop sequence "register_code_seq";`);
  }
}
