// The MikroORM configuration for tenant schemas. It knows only tenant (wildcard-schema) entities,
// so shared platform tables can never leak into a tenant migration; migrations are an explicit
// in-code list, run transactionally, without snapshots (a snapshot would re-read the whole catalog).
import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/postgresql';
import { TenantPostgreSqlDriver } from './driver.ts';
import { AuditEntry } from './entities/audit-entry.ts';
import { DevicePairingCode } from './entities/device-pairing-code.ts';
import { Category, Price, Product, TaxCategory, TaxRate, Variant } from './entities/catalog.ts';
import { StockLevel, StockMovement } from './entities/inventory.ts';
import { OutboxEvent, ProviderEvent } from './entities/messaging.ts';
import {
  IdempotencyKey,
  Payment,
  RegisterCounter,
  ReceiptGap,
  Sale,
  SaleLine,
  SaleTax,
} from './entities/sales.ts';
import { ManagerApproval } from './entities/manager-approval.ts';
import { ReceiptMail } from './entities/receipt-mail.ts';
import { RefreshToken } from './entities/refresh-token.ts';
import { Setting } from './entities/setting.ts';
import { StaffMember } from './entities/staff-member.ts';
import { Store } from './entities/store.ts';
import { TenantLock } from './entities/tenant-lock.ts';
import { TillDevice } from './entities/till-device.ts';
import { tenantMigrations } from './migrations/index.ts';

// Annotated: the inferred tuple of every entity's schema type is too long for declaration output.
export const tenantEntities: NonNullable<Options['entities']> = [
  Store,
  Setting,
  StaffMember,
  TillDevice,
  RefreshToken,
  ManagerApproval,
  AuditEntry,
  TaxRate,
  TaxCategory,
  Category,
  Product,
  Variant,
  Price,
  StockMovement,
  StockLevel,
  Sale,
  SaleLine,
  SaleTax,
  Payment,
  RegisterCounter,
  ReceiptGap,
  IdempotencyKey,
  OutboxEvent,
  ProviderEvent,
  TenantLock,
  DevicePairingCode,
  ReceiptMail,
];

export interface TenantOrmOptions {
  /** postgres:// URL of the database that holds the tenant schemas. */
  clientUrl: string;
  /** Pool size; keep it small: thousands of tenant schemas cost memory per backend. */
  poolMax?: number;
}

export function tenantOrmConfig(options: TenantOrmOptions): Options {
  return {
    driver: TenantPostgreSqlDriver,
    clientUrl: options.clientUrl,
    entities: tenantEntities,
    extensions: [Migrator],
    pool: { min: 0, max: options.poolMax ?? 4 },
    debug: false,
    // Entity definitions are code (defineEntity), not decorators: no reflection or file discovery.
    discovery: { warnWhenNoEntities: true },
    // The schema generator (only used to author migrations and to check them in tests) must never
    // see the migrator's bookkeeping table as something to drop.
    schemaGenerator: { skipTables: ['mikro_orm_migrations'] },
    migrations: {
      migrationsList: tenantMigrations,
      includeWildcardSchema: true,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}
