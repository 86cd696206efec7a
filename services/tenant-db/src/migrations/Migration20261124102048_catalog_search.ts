import { Migration } from '@mikro-orm/migrations';

export class Migration20261124102048_catalog_search extends Migration {
  override name = 'Migration20261124102048_catalog_search';

  override up(): void | Promise<void> {
    this.addSql(`alter table "product" add "external_id" varchar(100) null;`);
    this.addSql(`alter table "product" add constraint "product_external_id_unique" unique ("external_id");`);
    this.addSql(`create index "product_category_id_index" on "product" ("category_id");`);
    this.addSql(`create index "product_tax_category_id_index" on "product" ("tax_category_id");`);
    this.addSql(`create index "product_name_id_index" on "product" ("name", "id");`);

    this.addSql(
      `alter table "variant" add "search_key" text not null default '', add "search_vector" tsvector generated always as (to_tsvector('simple', search_key)) stored not null;`,
    );
    // Rows written before search existed get an approximation (lower case, punctuation as spaces); the
    // catalog service writes its full fold (accents dropped too) whenever a product or variant is saved.
    this.addSql(
      `update "variant" v set "search_key" = trim(regexp_replace(lower(p."name" || ' ' || v."name"), '[[:punct:][:space:]]+', ' ', 'g')) from "product" p where p."id" = v."product_id";`,
    );
    this.addSql(`create index "variant_product_id_index" on "variant" ("product_id");`);
    this.addSql(`create index "variant_search_vector_index" on "variant" using gin (search_vector);`);
    this.addSql(`create index "variant_sku_prefix_index" on "variant" (lower(sku) text_pattern_ops);`);
    this.addSql(`create index "variant_search_key_id_index" on "variant" ("search_key", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "product" drop constraint "product_external_id_unique";`);
    this.addSql(`drop index "product_category_id_index";`);
    this.addSql(`drop index "product_tax_category_id_index";`);
    this.addSql(`drop index "product_name_id_index";`);
    this.addSql(`alter table "product" drop column "external_id";`);

    this.addSql(`drop index "variant_product_id_index";`);
    this.addSql(`drop index "variant_search_vector_index";`);
    this.addSql(`drop index "variant_sku_prefix_index";`);
    this.addSql(`drop index "variant_search_key_id_index";`);
    this.addSql(`alter table "variant" drop column "search_key", drop column "search_vector";`);
  }
}
