import { Migration } from '@mikro-orm/migrations';

/** The audit log names a merchant portal user who acted through the portal (ADR 0015). */
export class Migration20261205190000_audit_portal_actor extends Migration {
  override name = 'Migration20261205190000_audit_portal_actor';

  override up(): void | Promise<void> {
    this.addSql(`alter table "audit_entry" add column "actor_portal_user_id" uuid null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "audit_entry" drop column "actor_portal_user_id";`);
  }
}
