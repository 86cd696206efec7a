// `npm run platform-admin -- add <e-mail> [--new-second-factor]`: makes a platform operator's login for
// /admin (or gives an existing one a new password, ending their sessions). The password comes from
// PLATFORM_ADMIN_PASSWORD or, typed, from standard input; it is never an argument (shell history,
// process lists). A new operator (or one asking for it) gets a TOTP secret for an authenticator app,
// printed this once as an otpauth:// URI: the second factor /admin asks for.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { upsertAdmin } from './admin.ts';
import { migratePlatform } from './db/migrate.ts';

const USAGE = `Usage: DATABASE_URL=postgres://… npm run platform-admin -- add <e-mail> [--new-second-factor]

  The password is read from PLATFORM_ADMIN_PASSWORD, else from standard input (one line).
  A new operator gets a second factor (an otpauth:// URI for an authenticator app, shown once);
  --new-second-factor replaces a lost one.
  At least 12 characters. Locally (npm start) DATABASE_URL is
  postgres://postgres:<postgresPassword from .cloudpos/secrets.json>@127.0.0.1:5433/cloudpos`;

async function readLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.replace(/\r$/, '');
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'new-second-factor': { type: 'boolean' } },
  });
  const [command, email] = positionals;
  const databaseUrl = process.env.DATABASE_URL;
  if (command !== 'add' || !email || !/^[^@\s]+@[^@\s]+$/.test(email) || !databaseUrl) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (process.stdin.isTTY && !process.env.PLATFORM_ADMIN_PASSWORD) process.stdout.write('Password: ');
  const password = process.env.PLATFORM_ADMIN_PASSWORD ?? (await readLine());
  if (password.length < 12) {
    process.stderr.write('The password needs at least 12 characters.\n');
    return 2;
  }
  await migratePlatform(databaseUrl);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const { outcome, totpUri } = await upsertAdmin(db, email, password, {
      newSecondFactor: values['new-second-factor'] ?? false,
    });
    process.stdout.write(
      outcome === 'created'
        ? `Platform operator ${email} can now log in at /admin.\n`
        : `New password for platform operator ${email}; their sessions ended.\n`,
    );
    if (totpUri)
      process.stdout.write(
        `Second factor: add this to their authenticator app (shown only now), then log in with its code:\n  ${totpUri}\n`,
      );
  } finally {
    await db.end();
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`platform-admin: ${(error as Error).message}\n`);
  return 1;
});
