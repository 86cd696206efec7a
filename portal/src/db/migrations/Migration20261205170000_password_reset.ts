import { Migration } from '@mikro-orm/migrations';

/** E-mail tokens also reset passwords. */
export class Migration20261205170000_password_reset extends Migration {
  override name = 'Migration20261205170000_password_reset';

  override up(): void {
    this.addSql(`alter table "email_token" drop constraint "email_token_purpose_check";`);
    this.addSql(
      `alter table "email_token" add constraint "email_token_purpose_check" check ("purpose" in ('verify_email', 'reset_password'));`,
    );
  }

  override down(): void {
    this.addSql(`delete from "email_token" where "purpose" = 'reset_password';`);
    this.addSql(`alter table "email_token" drop constraint "email_token_purpose_check";`);
    this.addSql(
      `alter table "email_token" add constraint "email_token_purpose_check" check ("purpose" in ('verify_email'));`,
    );
  }
}
