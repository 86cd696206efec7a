import { Migration } from '@mikro-orm/migrations';

/** A return without its original sale (no receipt) is a kind of its own, audited and reported apart. */
export class Migration20261205140000_unreceipted_returns extends Migration {
  override name = 'Migration20261205140000_unreceipted_returns';

  override up(): void | Promise<void> {
    this.addSql(`alter table "sale" drop constraint "sale_kind_check";`);
    this.addSql(
      `alter table "sale" add constraint "sale_kind_check" check ("kind" in ('sale', 'return', 'unreceipted_return'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "sale" drop constraint "sale_kind_check";`);
    this.addSql(`alter table "sale" add constraint "sale_kind_check" check ("kind" in ('sale', 'return'));`);
  }
}
