import { Migration } from '@mikro-orm/migrations';

/** When a subscription's payment first failed (the grace period runs from there), and when it ended. */
export class Migration20261205160000_billing_state extends Migration {
  override name = 'Migration20261205160000_billing_state';

  override up(): void {
    this.addSql(`alter table "subscription" add column "past_due_since" timestamptz;`);
  }

  override down(): void {
    this.addSql(`alter table "subscription" drop column "past_due_since";`);
  }
}
