import { Migration } from '@mikro-orm/migrations';

export class Migration20261205120000_store_closed_at extends Migration {
  override name = 'Migration20261205120000_store_closed_at';

  override up(): void | Promise<void> {
    this.addSql(`alter table "store" add column "closed_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "store" drop column "closed_at";`);
  }
}
