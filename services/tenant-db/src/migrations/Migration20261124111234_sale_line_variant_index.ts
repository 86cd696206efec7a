import { Migration } from '@mikro-orm/migrations';

export class Migration20261124111234_sale_line_variant_index extends Migration {
  override name = 'Migration20261124111234_sale_line_variant_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "sale_line_variant_id_index" on "sale_line" ("variant_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "sale_line_variant_id_index";`);
  }
}
