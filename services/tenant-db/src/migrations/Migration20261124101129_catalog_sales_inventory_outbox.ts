import { Migration } from '@mikro-orm/migrations';

export class Migration20261124101129_catalog_sales_inventory_outbox extends Migration {
  override name = 'Migration20261124101129_catalog_sales_inventory_outbox';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "category" ("id" uuid not null, "name" varchar(100) not null, "parent_id" uuid null, "position" int not null default 0, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );

    this.addSql(
      `create table "idempotency_key" ("key" varchar(100) not null, "operation" varchar(100) not null, "request_hash" varchar(64) not null, "status_code" int not null, "response" jsonb not null, "created_at" timestamptz not null default now(), primary key ("key"));`,
    );

    this.addSql(
      `create table "outbox_event" ("id" bigserial primary key, "subject" varchar(200) not null, "payload" jsonb not null, "traceparent" varchar(64) null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "attempts" int not null default 0);`,
    );
    this.addSql(
      `create index "outbox_event_published_at_id_index" on "outbox_event" ("published_at", "id");`,
    );

    this.addSql(
      `create table "provider_event" ("id" varchar(255) not null, "provider" varchar(32) not null, "type" varchar(100) not null, "received_at" timestamptz not null default now(), primary key ("id"));`,
    );

    this.addSql(
      `create table "sale" ("id" uuid not null, "kind" text not null, "status" text not null, "store_id" uuid not null, "receipt_number" bigint null, "original_sale_id" uuid null, "device_id" uuid null, "staff_id" uuid null, "customer_id" uuid null, "currency" varchar(3) not null, "rounding_mode" varchar(16) not null, "rounding_level" varchar(16) not null, "subtotal" bigint not null, "discount_total" bigint not null, "tax_total" bigint not null, "inclusive_tax_total" bigint not null, "total" bigint not null, "cash_rounding" bigint not null default '0', "request" jsonb not null, "note" varchar(500) null, "client_created_at" timestamptz null, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, "version" int not null default 1, primary key ("id"));`,
    );
    this.addSql(`create index "sale_original_sale_id_index" on "sale" ("original_sale_id");`);
    this.addSql(`create index "sale_status_created_at_index" on "sale" ("status", "created_at");`);
    this.addSql(
      `alter table "sale" add constraint "sale_store_id_receipt_number_unique" unique ("store_id", "receipt_number");`,
    );

    this.addSql(
      `create table "sale_tax" ("sale_id" uuid not null, "tax_rate_id" uuid not null, "code" varchar(32) not null, "name" varchar(100) not null, "rate" numeric(9,6) not null, "inclusive" boolean not null, "base" bigint not null, "amount" bigint not null, primary key ("sale_id", "tax_rate_id"));`,
    );

    this.addSql(
      `create table "payment" ("id" uuid not null, "sale_id" uuid not null, "method" text not null, "status" text not null, "amount" bigint not null, "tendered" bigint null, "change" bigint null, "label" varchar(100) null, "provider" varchar(32) null, "provider_ref" varchar(255) null, "refund_of_payment_id" uuid null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `alter table "payment" add constraint "payment_provider_ref_unique" unique ("provider_ref");`,
    );

    this.addSql(
      `create table "receipt_counter" ("store_id" uuid not null, "last" bigint not null default '0', primary key ("store_id"));`,
    );

    this.addSql(
      `create table "tax_category" ("id" uuid not null, "code" varchar(32) not null, "name" varchar(100) not null, "tax_rate_ids" jsonb not null, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`alter table "tax_category" add constraint "tax_category_code_unique" unique ("code");`);

    this.addSql(
      `create table "product" ("id" uuid not null, "name" varchar(200) not null, "description" text null, "category_id" uuid null, "tax_category_id" uuid not null, "active" boolean not null default true, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );

    this.addSql(
      `create table "tax_rate" ("id" uuid not null, "code" varchar(32) not null, "name" varchar(100) not null, "rate" numeric(9,6) not null, "inclusive" boolean not null, "active" boolean not null default true, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`alter table "tax_rate" add constraint "tax_rate_code_unique" unique ("code");`);

    this.addSql(
      `create table "variant" ("id" uuid not null, "product_id" uuid not null, "name" varchar(100) not null default '', "sku" varchar(64) not null, "barcode" varchar(64) null, "track_stock" boolean not null default true, "active" boolean not null default true, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`alter table "variant" add constraint "variant_sku_unique" unique ("sku");`);
    this.addSql(`alter table "variant" add constraint "variant_barcode_unique" unique ("barcode");`);

    this.addSql(
      `create table "stock_movement" ("id" bigserial primary key, "store_id" uuid not null, "variant_id" uuid not null, "quantity" numeric(14,3) not null, "reason" text not null, "sale_id" uuid null, "occurred_at" timestamptz not null, "recorded_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "stock_movement_sale_id_index" on "stock_movement" ("sale_id");`);
    this.addSql(
      `create index "stock_movement_store_id_variant_id_index" on "stock_movement" ("store_id", "variant_id");`,
    );

    this.addSql(
      `create table "stock_level" ("store_id" uuid not null, "variant_id" uuid not null, "on_hand" numeric(14,3) not null, "updated_at" timestamptz not null default now(), primary key ("store_id", "variant_id"));`,
    );

    this.addSql(
      `create table "sale_line" ("id" uuid not null, "sale_id" uuid not null, "position" int not null, "variant_id" uuid null, "sku" varchar(64) not null, "name" varchar(300) not null, "quantity" numeric(14,3) not null, "unit_price" bigint not null, "gross" bigint not null, "discount_total" bigint not null, "net" bigint not null, "tax_total" bigint not null, "total" bigint not null, "taxes" jsonb not null, "refunded_quantity" numeric(14,3) not null default '0', "original_line_id" uuid null, "restock" boolean null, primary key ("id"));`,
    );
    this.addSql(`create index "sale_line_sale_id_position_index" on "sale_line" ("sale_id", "position");`);

    this.addSql(
      `create table "price" ("id" uuid not null, "variant_id" uuid not null, "currency" varchar(3) not null, "store_id" uuid null, "amount" bigint not null, "version" int not null default 1, "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "price_variant_id_index" on "price" ("variant_id");`);
    this.addSql(
      `alter table "price" add constraint "price_variant_id_currency_store_id_unique" unique nulls not distinct ("variant_id", "currency", "store_id");`,
    );

    this.addSql(
      `alter table "sale" add constraint "sale_store_id_foreign" foreign key ("store_id") references "store" ("id");`,
    );
    this.addSql(`alter table "sale" add constraint "sale_kind_check" check ("kind" in ('sale', 'return'));`);
    this.addSql(
      `alter table "sale" add constraint "sale_status_check" check ("status" in ('open', 'completed', 'voided'));`,
    );

    this.addSql(
      `alter table "sale_tax" add constraint "sale_tax_sale_id_foreign" foreign key ("sale_id") references "sale" ("id");`,
    );

    this.addSql(
      `alter table "payment" add constraint "payment_sale_id_foreign" foreign key ("sale_id") references "sale" ("id");`,
    );
    this.addSql(
      `alter table "payment" add constraint "payment_method_check" check ("method" in ('cash', 'card', 'external'));`,
    );
    this.addSql(
      `alter table "payment" add constraint "payment_status_check" check ("status" in ('pending', 'succeeded', 'failed', 'canceled'));`,
    );

    this.addSql(
      `alter table "receipt_counter" add constraint "receipt_counter_store_id_foreign" foreign key ("store_id") references "store" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "product" add constraint "product_category_id_foreign" foreign key ("category_id") references "category" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "product" add constraint "product_tax_category_id_foreign" foreign key ("tax_category_id") references "tax_category" ("id");`,
    );

    this.addSql(
      `alter table "variant" add constraint "variant_product_id_foreign" foreign key ("product_id") references "product" ("id");`,
    );

    this.addSql(
      `alter table "stock_movement" add constraint "stock_movement_store_id_foreign" foreign key ("store_id") references "store" ("id");`,
    );
    this.addSql(
      `alter table "stock_movement" add constraint "stock_movement_variant_id_foreign" foreign key ("variant_id") references "variant" ("id");`,
    );
    this.addSql(
      `alter table "stock_movement" add constraint "stock_movement_reason_check" check ("reason" in ('sale', 'return', 'receive', 'count', 'transfer', 'waste', 'adjust'));`,
    );

    this.addSql(
      `alter table "stock_level" add constraint "stock_level_store_id_foreign" foreign key ("store_id") references "store" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "stock_level" add constraint "stock_level_variant_id_foreign" foreign key ("variant_id") references "variant" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "sale_line" add constraint "sale_line_sale_id_foreign" foreign key ("sale_id") references "sale" ("id");`,
    );
    this.addSql(
      `alter table "sale_line" add constraint "sale_line_variant_id_foreign" foreign key ("variant_id") references "variant" ("id") on delete set null;`,
    );

    this.addSql(
      `alter table "price" add constraint "price_variant_id_foreign" foreign key ("variant_id") references "variant" ("id");`,
    );
    this.addSql(
      `alter table "price" add constraint "price_store_id_foreign" foreign key ("store_id") references "store" ("id") on delete set null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "product" drop constraint "product_category_id_foreign";`);
    this.addSql(`alter table "sale_tax" drop constraint "sale_tax_sale_id_foreign";`);
    this.addSql(`alter table "payment" drop constraint "payment_sale_id_foreign";`);
    this.addSql(`alter table "sale_line" drop constraint "sale_line_sale_id_foreign";`);
    this.addSql(`alter table "product" drop constraint "product_tax_category_id_foreign";`);
    this.addSql(`alter table "variant" drop constraint "variant_product_id_foreign";`);
    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_variant_id_foreign";`);
    this.addSql(`alter table "stock_level" drop constraint "stock_level_variant_id_foreign";`);
    this.addSql(`alter table "sale_line" drop constraint "sale_line_variant_id_foreign";`);
    this.addSql(`alter table "price" drop constraint "price_variant_id_foreign";`);

    this.addSql(`drop table if exists "category" cascade;`);
    this.addSql(`drop table if exists "idempotency_key" cascade;`);
    this.addSql(`drop table if exists "outbox_event" cascade;`);
    this.addSql(`drop table if exists "provider_event" cascade;`);
    this.addSql(`drop table if exists "sale" cascade;`);
    this.addSql(`drop table if exists "sale_tax" cascade;`);
    this.addSql(`drop table if exists "payment" cascade;`);
    this.addSql(`drop table if exists "receipt_counter" cascade;`);
    this.addSql(`drop table if exists "tax_category" cascade;`);
    this.addSql(`drop table if exists "product" cascade;`);
    this.addSql(`drop table if exists "tax_rate" cascade;`);
    this.addSql(`drop table if exists "variant" cascade;`);
    this.addSql(`drop table if exists "stock_movement" cascade;`);
    this.addSql(`drop table if exists "stock_level" cascade;`);
    this.addSql(`drop table if exists "sale_line" cascade;`);
    this.addSql(`drop table if exists "price" cascade;`);
  }
}
