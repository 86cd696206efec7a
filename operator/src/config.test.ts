import { describe, expect, it } from 'vitest';
import {
  defaultDatabaseClusterOf,
  loadDatabaseClusters,
  loadRedisAdmin,
  loadSmtpUrl,
  type OperatorConfig,
} from './config.ts';
import { testConfig } from './specs/fixtures.ts';

describe('the Redis admin settings', () => {
  it('need a Redis URL with a password, and name what is wrong without echoing it', () => {
    expect(loadRedisAdmin({ REDIS_ADMIN_URL: 'redis://default:s3cret@redis:6379' })).toEqual({
      url: 'redis://default:s3cret@redis:6379',
      saveAcl: false,
    });
    expect(
      loadRedisAdmin({ REDIS_ADMIN_URL: 'rediss://admin:s3cret@redis:6380', REDIS_ACL_FILE: 'true' }).saveAcl,
    ).toBe(true);
    expect(() => loadRedisAdmin({})).toThrow(/^REDIS_ADMIN_URL is not set$/);
    expect(() => loadRedisAdmin({ REDIS_ADMIN_URL: 'redis://redis:6379' })).toThrow(/has no password/);
    expect(() => loadRedisAdmin({ REDIS_ADMIN_URL: 'http://u:s3cret@redis' })).toThrow(
      /^REDIS_ADMIN_URL is invalid/,
    );
    expect(() => loadRedisAdmin({ REDIS_ADMIN_URL: 'http://u:s3cret@redis' })).not.toThrow(/s3cret/);
    expect(() => loadRedisAdmin({ REDIS_ADMIN_URL: 'redis://u:p@r', REDIS_ACL_FILE: 'yes' })).toThrow(
      /REDIS_ACL_FILE is invalid/,
    );
  });
});

describe('the SMTP relay of receipt e-mails', () => {
  it('is optional, must be smtp:// or smtps://, and a bad one is named without echoing it', () => {
    expect(loadSmtpUrl({})).toBeUndefined();
    expect(loadSmtpUrl({ SMTP_URL: '' })).toBeUndefined();
    expect(loadSmtpUrl({ SMTP_URL: 'smtps://relay:s3cret@smtp.example.com:465' })).toBe(
      'smtps://relay:s3cret@smtp.example.com:465',
    );
    expect(loadSmtpUrl({ SMTP_URL: 'smtp://smtp.example.com:587' })).toBe('smtp://smtp.example.com:587');
    for (const bad of [
      'https://relay:s3cret@smtp.example.com',
      'relay:s3cret@smtp.example.com:587',
      'smtp://',
    ]) {
      expect(() => loadSmtpUrl({ SMTP_URL: bad })).toThrow(/^SMTP_URL is invalid \(smtp:\/\/ or smtps:\/\//);
      expect(() => loadSmtpUrl({ SMTP_URL: bad })).not.toThrow(/s3cret/);
    }
  });
});

describe('the database clusters', () => {
  const config = (extra: Partial<OperatorConfig> = {}): OperatorConfig => ({ ...testConfig, ...extra });
  const two = {
    databaseClusters: [
      { name: 'main', host: 'main-rw.data.svc', port: 5432, database: 'cloudpos' },
      { name: 'eu-2', host: 'eu-2-rw.data.svc', port: 5432, database: 'pos' },
    ],
  };

  it('are one cluster named default, from the endpoints and DATABASE_URL, when none are listed', () => {
    expect(
      loadDatabaseClusters(config(), { DATABASE_URL: 'postgres://admin:s3cret@10.20.0.10:5432/cloudpos' }),
    ).toEqual([
      {
        name: 'default',
        host: '10.20.0.10',
        port: 5432,
        database: 'cloudpos',
        adminUrl: 'postgres://admin:s3cret@10.20.0.10:5432/cloudpos',
      },
    ]);
  });

  it('take each admin URL from DATABASE_URL_<NAME> (DATABASE_URL for the default), pointed at the cluster’s database', () => {
    const clusters = loadDatabaseClusters(config(two), {
      DATABASE_URL: 'postgresql://postgres:a@main-rw.data:5432/*',
      DATABASE_URL_EU_2: 'postgresql://postgres:b@eu-2-rw.data:5432/*',
    });
    // A CloudNativePG superuser Secret's `uri` names the database `*`.
    expect(clusters.map((cluster) => cluster.adminUrl)).toEqual([
      'postgresql://postgres:a@main-rw.data:5432/cloudpos',
      'postgresql://postgres:b@eu-2-rw.data:5432/pos',
    ]);
    expect(defaultDatabaseClusterOf(config(two))).toBe('main');
  });

  it('refuse a missing or bad URL, an unknown default or rule, and a name twice, without echoing a secret', () => {
    expect(() => loadDatabaseClusters(config(two), { DATABASE_URL: 'postgres://u:p@h/db' })).toThrow(
      /^DATABASE_URL_EU_2 is not set: the admin URL of database cluster eu-2$/,
    );
    expect(() =>
      loadDatabaseClusters(config(two), {
        DATABASE_URL: 'mysql://u:s3cret@h/db',
        DATABASE_URL_EU_2: 'postgres://u:p@h/db',
      }),
    ).toThrow(/^DATABASE_URL_MAIN \(or DATABASE_URL\) is invalid/);
    expect(() =>
      loadDatabaseClusters(config(two), { DATABASE_URL: 'mysql://u:s3cret@h/db', DATABASE_URL_EU_2: 'x' }),
    ).not.toThrow(/s3cret/);
    expect(() => loadDatabaseClusters(config({ ...two, defaultDatabaseCluster: 'us' }), {})).toThrow(
      /defaultDatabaseCluster "us" is not one of the databaseClusters \(main, eu-2\)/,
    );
    expect(() => loadDatabaseClusters(config({ ...two, placement: 'Random' as 'Default' }), {})).toThrow(
      /placement must be Default or FewestTenants/,
    );
    expect(() =>
      loadDatabaseClusters(
        config({ databaseClusters: [two.databaseClusters[0]!, two.databaseClusters[0]!] }),
        {},
      ),
    ).toThrow(/"main" is listed twice/);
  });
});
