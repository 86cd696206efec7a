import { Migration } from '@mikro-orm/migrations';

export class Migration20261124104521_catalog_search_walk extends Migration {
  override name = 'Migration20261124104521_catalog_search_walk';

  override up(): void | Promise<void> {
    this.addSql(`drop index "variant_search_key_id_index";`);
    this.addSql(`alter table "variant" add "sellable" boolean not null default true;`);
    this.addSql(
      `update "variant" v set "sellable" = v."active" and p."active" from "product" p where p."id" = v."product_id" and not (v."active" and p."active");`,
    );
    this.addSql(
      `create index "variant_search_walk_index" on "variant" (search_key, id) include (search_vector, sku, sellable);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "variant_search_walk_index";`);
    this.addSql(`alter table "variant" drop column "sellable";`);
    this.addSql(`create index "variant_search_key_id_index" on "variant" ("search_key", "id");`);
  }
}
