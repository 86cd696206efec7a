import { Migration } from '@mikro-orm/migrations';

export class Migration20261205110000_tenant_locks extends Migration {
  override name = 'Migration20261205110000_tenant_locks';

  override up(): void | Promise<void> {
    this.addSql(`create table "tenant_lock" ("name" varchar(100) not null, primary key ("name"));`);
    this.addSql(`insert into "tenant_lock" ("name") values ('outbox.relay'), ('catalog.bulk');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "tenant_lock" cascade;`);
  }
}
