import { Migration } from '@mikro-orm/migrations';

/** Payments keep the order the tenders were given in (receipts and the API list them so). */
export class Migration20261205233000_payment_position extends Migration {
  override name = 'Migration20261205233000_payment_position';

  override up(): void | Promise<void> {
    this.addSql(`alter table "payment" add column "position" int not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "payment" drop column "position";`);
  }
}
