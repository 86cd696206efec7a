import { describe, expect, it } from 'vitest';
import { loadRedisAdmin } from './config.ts';

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
