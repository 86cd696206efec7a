import { Migration } from '@mikro-orm/migrations';

/** The day's sales figures read completed sales by completion time (GET /v1/sales/summary). */
export class Migration20261206100000_sale_completed_at_index extends Migration {
  override name = 'Migration20261206100000_sale_completed_at_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "sale_status_completed_at_index" on "sale" ("status", "completed_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "sale_status_completed_at_index";`);
  }
}
