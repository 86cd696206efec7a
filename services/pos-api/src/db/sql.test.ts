import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../tenancy/context.ts';
import { statementText, tableOf } from './sql.ts';

const tenant = (schema: string) => ({ tenant: { schema } }) as RequestContext;

describe('statementText', () => {
  it('builds a statement once per tenant schema and shape, and sends the same string again', () => {
    const text = statementText();
    const built: string[] = [];
    const build = (ctx: RequestContext, shape?: string) =>
      text(
        ctx,
        () => {
          built.push(`${ctx.tenant.schema} ${shape ?? ''}`);
          return `select id from ${tableOf(ctx, 'sale')} where id in (${shape === 'two' ? '$1, $2' : '$1'})`;
        },
        shape,
      );
    const a = build(tenant('tenant_a'));
    expect(a).toBe('select id from "tenant_a".sale where id in ($1)');
    expect(build(tenant('tenant_a'))).toBe(a);
    // Another tenant never gets the first one's text (it names the other's tables).
    expect(build(tenant('tenant_b'))).toBe('select id from "tenant_b".sale where id in ($1)');
    expect(build(tenant('tenant_a'), 'two')).toBe('select id from "tenant_a".sale where id in ($1, $2)');
    expect(build(tenant('tenant_a'), 'two')).toBe('select id from "tenant_a".sale where id in ($1, $2)');
    expect(built).toEqual(['tenant_a ', 'tenant_b ', 'tenant_a two']);
  });

  it('keeps a bounded number of texts', () => {
    const text = statementText();
    let builds = 0;
    const build = (schema: string) => text(tenant(schema), () => `${++builds} ${schema}`);
    for (let index = 0; index < 1024; index++) build(`tenant_${index}`);
    expect(build('tenant_0')).toBe('1 tenant_0');
    build('tenant_1024'); // one too many: it starts over
    expect(build('tenant_0')).toBe('1026 tenant_0');
  });
});
