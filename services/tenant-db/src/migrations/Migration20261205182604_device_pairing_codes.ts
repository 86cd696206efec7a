import { Migration } from '@mikro-orm/migrations';

/** One-time pairing codes: a new register pairs itself with a short code a manager made (hashed). */
export class Migration20261205182604_device_pairing_codes extends Migration {
  override name = 'Migration20261205182604_device_pairing_codes';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "device_pairing_code" ("id" uuid not null, "code_hash" varchar(64) not null, "store_id" uuid null, "created_by_id" uuid null, "expires_at" timestamptz not null, "used_at" timestamptz null, "device_id" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `alter table "device_pairing_code" add constraint "device_pairing_code_code_hash_unique" unique ("code_hash");`,
    );

    this.addSql(
      `alter table "device_pairing_code" add constraint "device_pairing_code_store_id_foreign" foreign key ("store_id") references "store" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "device_pairing_code" add constraint "device_pairing_code_created_by_id_foreign" foreign key ("created_by_id") references "staff_member" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "device_pairing_code" add constraint "device_pairing_code_device_id_foreign" foreign key ("device_id") references "till_device" ("id") on delete set null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "device_pairing_code" cascade;`);
  }
}
