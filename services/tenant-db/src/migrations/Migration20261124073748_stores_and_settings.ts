import { Migration } from '@mikro-orm/migrations';

export class Migration20261124073748_stores_and_settings extends Migration {
  override name = 'Migration20261124073748_stores_and_settings';

  override up(): void {
    this.addSql(
      `create table "setting" ("key" varchar(100) not null, "value" jsonb not null, "updated_at" timestamptz not null default now(), primary key ("key"));`,
    );
    this.addSql(
      `create table "store" ("id" uuid not null, "code" varchar(32) not null, "name" varchar(200) not null, "timezone" varchar(64) not null, "currency" varchar(3) not null, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`alter table "store" add constraint "store_code_unique" unique ("code");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "store";`);
    this.addSql(`drop table if exists "setting";`);
  }
}
