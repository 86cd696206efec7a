import { Migration } from '@mikro-orm/migrations';

/**
 * A second factor for platform operators: the TOTP secret of their authenticator app (RFC 6238) and
 * the last time step accepted, so a code is good once. Operators made before it have none and must
 * set one up with `npm run platform-admin -- add <e-mail>` before they can log in again.
 */
export class Migration20261206210000_admin_totp extends Migration {
  override name = 'Migration20261206210000_admin_totp';

  override up(): void {
    this.addSql(`alter table "admin_user" add column "totp_secret" varchar(64) null,
      add column "totp_last_step" bigint null;`);
    // Sessions from before the second factor end.
    this.addSql(`delete from "admin_session";`);
  }

  override down(): void {
    this.addSql(`alter table "admin_user" drop column "totp_secret", drop column "totp_last_step";`);
  }
}
