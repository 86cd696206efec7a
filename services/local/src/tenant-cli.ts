// `npm run tenant -- <command>`: Tenants in local mode, with no cluster. The same manifests as
// `kubectl apply -f tenants/...`, reconciled by the operator's local mode into the local PostgreSQL
// and NATS (those of a running `npm start`, or started just for this command).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { ActionableError, reportFatal } from '@cloudpos/harness';
import { tenantSetupCode } from '@cloudpos/pos-api';
import pg from 'pg';
import {
  applyLocalTenant,
  BackupUnavailableError,
  backupTenantSchema,
  deleteLocalTenant,
  InvalidTenantError,
  listBackups,
  listLocalTenants,
  pruneBackups,
  readLocalTenant,
  reconcileLocalTenant,
  restoreBesideTenantSchema,
  restoreTenantSchema,
  bucketUrlOf,
  copyBackupToBucket,
  fetchBackupFromBucket,
  latestBackup,
  listBucketBackups,
  parseBucketUrl,
  pruneBucketBackups,
  type BackupBucket,
} from '@cloudpos/operator/local';
import { tenantMigrations, tenantSchemaName } from '@cloudpos/tenant-db';
import { localBackupBucket, withBackupTools } from './backup-tools.ts';
import { useLocalEngines } from './infra.ts';
import { localAuthSecret } from './auth-secret.ts';
import { localSettings, type LocalSettings } from './settings.ts';
import { openLocalTenants } from './tenants.ts';

const USAGE = `Usage: npm run tenant -- <command>

  create <slug> [--plan starter|growth|scale] [--name <display name>] [--currency EUR]
                [--timezone Europe/Berlin] [--locale de-DE] [--owner-name <name>] [--owner-email <email>]
                [--store CODE=Name]... [--deletion-policy Retain|Delete|BackupThenDelete]
  apply -f <file.yaml>      create or update the Tenants in a manifest (as kubectl apply does)
  list                      the local Tenants, like kubectl get tenants
  get <slug>                one Tenant as YAML, with its status
  delete <slug>             delete a Tenant; its data goes by its deletionPolicy
  backup <slug> [--keep 7]  dump the tenant's schema into .cloudpos/backups, verified; keep the newest n
  backups <slug>            the tenant's backups, newest first
  restore <slug> --from <file|s3://bucket/key|latest> [--beside [--into <schema>]]
                            put the tenant's data back as it was at a backup (the data as it is now
                            is kept aside in a schema whose name is printed); with --beside, restore
                            into a new schema (printed, or --into's) and leave the tenant as it is

  With CLOUDPOS_BACKUP_BUCKET=s3://bucket/prefix (CLOUDPOS_BACKUP_BUCKET_ENDPOINT for an
  S3-compatible server, keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), every backup is also
  copied there, \`backups\` lists the copies and \`restore --from latest\` takes the newest of both.`;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      plan: { type: 'string', default: 'starter' },
      name: { type: 'string' },
      currency: { type: 'string', default: 'EUR' },
      timezone: { type: 'string' },
      locale: { type: 'string' },
      'owner-name': { type: 'string', default: 'Owner' },
      'owner-email': { type: 'string', default: 'owner@example.com' },
      store: { type: 'string', multiple: true },
      'deletion-policy': { type: 'string' },
      filename: { type: 'string', short: 'f' },
      keep: { type: 'string', default: '7' },
      from: { type: 'string' },
      beside: { type: 'boolean', default: false },
      into: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, slug] = positionals;
  if (values.help || !command) {
    say(USAGE);
    return;
  }
  if (!['create', 'apply', 'list', 'get', 'delete', 'backup', 'backups', 'restore'].includes(command))
    throw new ActionableError(`Unknown command "${command}".`, USAGE);
  if (['create', 'get', 'delete', 'backup', 'backups', 'restore'].includes(command) && !slug)
    throw new ActionableError(`"${command}" needs a tenant slug.`, USAGE);
  if (command === 'apply' && !values.filename)
    throw new ActionableError('"apply" needs a manifest: -f <file.yaml>.', USAGE);

  const settings = localSettings();
  // Reading needs no engines.
  const readOnly = { dir: join(settings.home, 'tenants') };
  if (command === 'list') return printList(await listLocalTenants(readOnly));
  const backupDir = join(settings.home, 'backups');
  if (command === 'backups') {
    const backups = await listBackups(backupDir, tenantSchemaName(slug!));
    if (backups.length === 0) say(`no backups of ${slug} in ${backupDir}`);
    for (const backup of backups) say(backupLine(backup.at, backup.bytes, backup.file));
    const bucket = localBackupBucket();
    if (bucket) {
      try {
        const copies = await listBucketBackups(bucket, tenantSchemaName(slug!));
        if (copies.length === 0) say(`no copies of ${slug}'s backups in ${bucketUrlOf(bucket)}`);
        for (const copy of copies) say(backupLine(copy.at, copy.bytes, bucketUrlOf(bucket, copy.key)));
      } finally {
        bucket.destroy();
      }
    }
    return;
  }
  if (command === 'restore' && !values.from)
    throw new ActionableError('"restore" needs a backup: --from <file> or --from latest.', USAGE);
  const keep = Number(values.keep);
  if (command === 'backup' && !(Number.isInteger(keep) && keep >= 1))
    throw new ActionableError(
      `--keep must be a whole number of backups, at least 1, not "${values.keep}".`,
      USAGE,
    );
  if (command === 'get') {
    const tenant = await readLocalTenant(readOnly, slug!);
    if (!tenant) throw notFound(slug!);
    process.stdout.write(stringify(tenant));
    return;
  }

  if (command === 'backup' || command === 'restore') {
    if (!(await readLocalTenant(readOnly, slug!))) throw notFound(slug!);
    return backupOrRestore(settings, command, slug!, {
      keep,
      from: values.from,
      backupDir,
      // --into names the new schema, so it means beside.
      beside: values.beside || values.into !== undefined ? { into: values.into } : undefined,
    });
  }
  const manifests =
    command === 'apply' ? await readManifests(values.filename!) : [createManifest(slug!, values)];
  // BackupThenDelete dumps through PG_DUMP/PG_RESTORE, read in this process where the dump is made.
  if (command === 'delete') Object.assign(process.env, await withBackupTools(process.env));
  const engines = await useLocalEngines(settings);
  try {
    const tenants = await openLocalTenants(settings, engines);
    try {
      if (command === 'delete') {
        if (!(await readLocalTenant(tenants.ctx, slug!))) throw notFound(slug!);
        const events = await deleteLocalTenant(tenants.ctx, slug!).catch((error: unknown) => {
          throw error instanceof BackupUnavailableError
            ? new ActionableError(
                `Tenant ${slug} was not deleted, and nothing was dropped: its deletionPolicy asks for a backup that cannot be made (${error.message}).`,
                'run `npm run ensure-tools`, or change its deletionPolicy with npm run tenant -- apply -f <file>',
              )
            : error;
        });
        for (const event of events) say(event.message);
        say(`tenant ${slug} deleted`);
        return;
      }
      for (const manifest of manifests) {
        const name = (manifest as { spec?: { slug?: string } }).spec?.slug ?? '?';
        const existing = await readLocalTenant(tenants.ctx, name);
        if (command === 'create' && existing)
          throw new ActionableError(
            `Tenant ${name} already exists.`,
            `change it with npm run tenant -- apply -f <file>, or delete it first`,
          );
        const tenant = await applyLocalTenant(tenants.ctx, manifest).catch((error: unknown) => {
          throw error instanceof InvalidTenantError
            ? new ActionableError(
                error.message,
                'fix the manifest (the schema is crds/cloudpos.io_tenants.yaml)',
              )
            : error;
        });
        const verb = existing ? 'configured' : 'created';
        say(`tenant ${name} ${verb}: ${tenant.status?.phase}`);
        say(`  till     ${tenant.status?.url}`);
        say(`  schema   ${tenant.status?.schema}`);
        if (
          tenant.status?.phase === 'Ready' &&
          (await hasNoStaff(tenants.ctx.postgres, tenant.status.schema!))
        )
          await printSetup(settings, name);
        for (const condition of tenant.status?.conditions ?? []) {
          if (condition.status !== 'True')
            say(`  ${condition.type}: ${condition.reason}: ${condition.message}`);
        }
        if (tenant.status?.phase !== 'Ready' && tenant.status?.phase !== 'Suspended') process.exitCode = 1;
      }
    } finally {
      await tenants.close();
    }
  } finally {
    await engines.stop();
  }
}

/** `backup` (verified, then older ones pruned) or `restore` of one tenant's schema, on the local engines. */
async function backupOrRestore(
  settings: LocalSettings,
  command: 'backup' | 'restore',
  slug: string,
  options: {
    keep: number;
    from: string | undefined;
    backupDir: string;
    beside: { into: string | undefined } | undefined;
  },
): Promise<void> {
  const tools = await withBackupTools(process.env);
  const bucket = localBackupBucket();
  try {
    const file = command === 'restore' ? await backupToRestore(slug, options, bucket) : undefined;
    await backupOrRestoreOnEngines(settings, command, slug, { ...options, file, bucket, tools });
  } finally {
    bucket?.destroy();
  }
}

/**
 * The dump a restore reads: a file, an `s3://` copy (fetched into the backup folder first), or
 * `latest`: the newest of the folder's backups and the bucket's copies (their names carry the time).
 */
async function backupToRestore(
  slug: string,
  options: { from: string | undefined; backupDir: string },
  bucket: BackupBucket | undefined,
): Promise<string> {
  const schema = tenantSchemaName(slug);
  const fetch = async (key: string) => {
    if (!bucket)
      throw new ActionableError(
        `${options.from} is in object storage, but no bucket is configured.`,
        'set CLOUDPOS_BACKUP_BUCKET (and CLOUDPOS_BACKUP_BUCKET_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
      );
    say(`fetching ${bucketUrlOf(bucket, key)}`);
    return fetchBackupFromBucket(bucket, key, options.backupDir);
  };
  if (options.from?.startsWith('s3://')) {
    const { bucket: name, prefix: key } = parseBucketUrl(options.from);
    if (bucket && name !== bucket.bucket)
      throw new ActionableError(
        `${options.from} is not in the configured bucket ${bucketUrlOf(bucket)}.`,
        'give a copy from `npm run tenant -- backups ' + slug + '`',
      );
    return fetch(key.replace(/\/$/, ''));
  }
  if (options.from !== 'latest') return options.from!;
  const latest = await latestBackup(options.backupDir, bucket, schema);
  if (latest?.fetchedFrom) say(`fetching ${latest.fetchedFrom}`);
  if (latest) return latest.file;
  throw new ActionableError(
    `There is no backup of ${slug} in ${options.backupDir}${bucket ? ` or ${bucketUrlOf(bucket)}` : ''}.`,
    'make one: npm run tenant -- backup ' + slug,
  );
}

async function backupOrRestoreOnEngines(
  settings: LocalSettings,
  command: 'backup' | 'restore',
  slug: string,
  options: {
    keep: number;
    backupDir: string;
    file: string | undefined;
    bucket: BackupBucket | undefined;
    tools: NodeJS.ProcessEnv;
    beside: { into: string | undefined } | undefined;
  },
): Promise<void> {
  const { tools, file, bucket } = options;
  const schema = tenantSchemaName(slug);
  const engines = await useLocalEngines(settings);
  const admin = new pg.Pool({ connectionString: engines.databaseUrl, max: 2 });
  try {
    if (command === 'backup') {
      const backup = await backupTenantSchema({
        admin,
        databaseUrl: engines.databaseUrl,
        schema,
        dir: options.backupDir,
        pgDump: tools.PG_DUMP,
        pgRestore: tools.PG_RESTORE,
      }).catch((error: unknown) => {
        throw error instanceof BackupUnavailableError
          ? new ActionableError(
              `No backup of ${slug} was made: ${error.message}.`,
              'run `npm run ensure-tools`',
            )
          : error;
      });
      say(`backup of ${slug}: ${backup.file} (${backup.tables.length} tables, verified)`);
      for (const removed of await pruneBackups(options.backupDir, schema, options.keep))
        say(`  removed ${removed} (keeping the newest ${options.keep})`);
      if (bucket) {
        say(`  copied to ${await copyBackupToBucket(bucket, backup.file)}`);
        for (const removed of await pruneBucketBackups(bucket, schema, options.keep))
          say(`  removed ${bucketUrlOf(bucket, removed)} (keeping the newest ${options.keep})`);
      }
      return;
    }
    if (options.beside) {
      const beside = await restoreBesideTenantSchema({
        admin,
        databaseUrl: engines.databaseUrl,
        schema,
        file: file!,
        pgDump: tools.PG_DUMP,
        pgRestore: tools.PG_RESTORE,
        knownMigrations: tenantMigrations.map((migration) => migration.name),
        ...(options.beside.into ? { into: options.beside.into } : {}),
      }).catch((error: unknown) => {
        throw new ActionableError(
          (error as Error).message,
          'give a backup of this tenant: npm run tenant -- backups ' + slug,
        );
      });
      say(
        `backup ${file} of ${slug} restored into schema ${beside.schema} (${beside.tables.length} tables); ${slug} itself is unchanged`,
      );
      say(
        `  only administrators can read it; drop it when no longer needed: drop schema "${beside.schema}" cascade`,
      );
      return;
    }
    const restored = await restoreTenantSchema({
      admin,
      databaseUrl: engines.databaseUrl,
      schema,
      file: file!,
      pgRestore: tools.PG_RESTORE,
      knownMigrations: tenantMigrations.map((migration) => migration.name),
    }).catch((error: unknown) => {
      throw new ActionableError(
        (error as Error).message,
        'give a backup of this tenant: npm run tenant -- backups ' + slug,
      );
    });
    // An older backup is brought up to this version's schema at once (and the status says so).
    const tenants = await openLocalTenants(settings, engines);
    const reconciled = await reconcileLocalTenant(tenants.ctx, slug).finally(() => tenants.close());
    say(
      `tenant ${slug} restored from ${file} (${restored.tables.length} tables): ${reconciled.status?.phase}`,
    );
    say(
      `  its data as it was before the restore is kept in schema ${restored.replacedBy}; drop it when no longer needed:`,
    );
    say(`  drop schema "${restored.replacedBy}" cascade`);
  } finally {
    await admin.end();
    await engines.stop();
  }
}

const backupLine = (at: Date, bytes: number, where: string) =>
  `${at.toISOString()}  ${String(Math.ceil(bytes / 1024)).padStart(8)} KiB  ${where}`;

async function hasNoStaff(postgres: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await postgres.query<{ staffed: boolean }>(
    `select exists (select 1 from ${pg.escapeIdentifier(schema)}.staff_member) as staffed`,
  );
  return !rows[0]!.staffed;
}

/** The one-time code that makes the first owner and till, and the call that uses it. */
async function printSetup(settings: LocalSettings, slug: string): Promise<void> {
  const code = tenantSetupCode(await localAuthSecret(settings.home), slug);
  const body = JSON.stringify({
    setupCode: code,
    owner: { code: '1000', displayName: 'Owner', pin: '<4 to 12 digits>' },
    device: { name: 'Till 1' },
  });
  say(
    `  setup    first owner and till with the one-time code ${code} (it stops working once the tenant has staff):`,
  );
  say(
    `           on the till: http://${slug}.localhost:${settings.ports.api}/till/ → "Set up a new store", or`,
  );
  say(`           curl -H 'host: ${slug}.localhost' -H 'content-type: application/json' \\`);
  say(`             http://127.0.0.1:${settings.ports.api}/v1/setup -d '${body}'`);
}

function createManifest(slug: string, values: Record<string, unknown>): unknown {
  const stores = ((values.store as string[] | undefined) ?? []).map((entry) => {
    const [code, ...name] = entry.split('=');
    return { code, name: name.join('=') || code };
  });
  const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: value });
  return {
    apiVersion: 'cloudpos.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: slug },
    spec: {
      slug,
      displayName: values.name ?? slug,
      plan: values.plan,
      owner: { name: values['owner-name'], email: values['owner-email'] },
      currency: values.currency,
      ...optional('timezone', values.timezone),
      ...optional('locale', values.locale),
      ...optional('deletionPolicy', values['deletion-policy']),
      ...(stores.length > 0 ? { stores } : {}),
    },
  };
}

async function readManifests(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ActionableError(
      `Cannot read ${file}: ${(error as Error).message}`,
      'give the path of a manifest',
    );
  }
  const documents = parseAllDocuments(text);
  const broken = documents.flatMap((document) => document.errors);
  if (broken.length > 0)
    throw new ActionableError(`${file} is not valid YAML: ${broken[0]!.message}`, 'fix the file');
  return documents.map((document) => document.toJS() as unknown).filter((value) => value !== null);
}

function printList(tenants: Awaited<ReturnType<typeof listLocalTenants>>): void {
  if (tenants.length === 0) {
    say('No local tenants. Create one: npm run tenant -- create <slug>');
    return;
  }
  const rows = [
    ['NAME', 'PLAN', 'PHASE', 'READY', 'URL'],
    ...tenants.map((tenant) => [
      tenant.spec.slug,
      tenant.spec.plan,
      tenant.status?.phase ?? '',
      tenant.status?.conditions?.find((condition) => condition.type === 'Ready')?.status ?? '',
      tenant.status?.url ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    say(
      row
        .map((cell, column) => cell.padEnd(widths[column]! + 3))
        .join('')
        .trimEnd(),
    );
}

const notFound = (slug: string) =>
  new ActionableError(`No local tenant ${slug}.`, 'see the tenants with npm run tenant -- list');

try {
  await main(process.argv.slice(2));
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  reportFatal(
    code?.startsWith('ERR_PARSE_ARGS')
      ? new ActionableError((error as Error).message, 'see npm run tenant -- --help')
      : error,
  );
}
