import { Migration } from '@mikro-orm/migrations';

/** The operators' list pages through tenants newest first by (created_at, id). */
export class Migration20261206200000_tenant_order extends Migration {
  override name = 'Migration20261206200000_tenant_order';

  override up(): void {
    this.addSql(`create index "tenant_created_idx" on "tenant" ("created_at" desc, "id" desc);`);
  }

  override down(): void {
    this.addSql(`drop index if exists "tenant_created_idx";`);
  }
}
