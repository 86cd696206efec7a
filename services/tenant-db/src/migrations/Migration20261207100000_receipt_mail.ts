import { Migration } from '@mikro-orm/migrations';

/** Receipt e-mails waiting for the worker's mail sender (and what was sent, without the address). */
export class Migration20261207100000_receipt_mail extends Migration {
  override name = 'Migration20261207100000_receipt_mail';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "receipt_mail" ("id" uuid not null, "sale_id" uuid not null, "recipient" varchar(254) null, "recipient_hint" varchar(254) not null, "subject" varchar(300) not null, "text_body" text not null, "html_body" text not null, "device_id" uuid null, "staff_id" uuid null, "traceparent" varchar(64) null, "created_at" timestamptz not null default now(), "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "sent_at" timestamptz null, "failed_at" timestamptz null, "last_error" varchar(500) null, primary key ("id"));`,
    );
    this.addSql(
      `create index "receipt_mail_sent_at_failed_at_next_attempt_at_index" on "receipt_mail" ("sent_at", "failed_at", "next_attempt_at");`,
    );
    this.addSql(
      `alter table "receipt_mail" add constraint "receipt_mail_sale_id_foreign" foreign key ("sale_id") references "sale" ("id");`,
    );
    this.addSql(
      `alter table "receipt_mail" add constraint "receipt_mail_device_id_foreign" foreign key ("device_id") references "till_device" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "receipt_mail" add constraint "receipt_mail_staff_id_foreign" foreign key ("staff_id") references "staff_member" ("id") on delete set null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "receipt_mail" cascade;`);
  }
}
