export { withTransactionConnection, type TransactionConnection } from './driver.ts';
export { tenantOrmConfig, tenantEntities, type TenantOrmOptions } from './config.ts';
export {
  isTenantSchemaCurrent,
  migrateTenant,
  migrateAllTenants,
  listTenantSchemas,
  tenantSchemaName,
  TENANT_SCHEMA_PREFIX,
  type TenantMigrationResult,
  type MigrateAllOptions,
  type MigrateAllResult,
} from './migrate.ts';
export { tenantMigrations } from './migrations/index.ts';
export { Store } from './entities/store.ts';
export { Setting } from './entities/setting.ts';
export { StaffMember, STAFF_ROLES, type StaffRole } from './entities/staff-member.ts';
export { TillDevice } from './entities/till-device.ts';
export { RefreshToken } from './entities/refresh-token.ts';
export { ManagerApproval } from './entities/manager-approval.ts';
export { DevicePairingCode } from './entities/device-pairing-code.ts';
export { AuditEntry } from './entities/audit-entry.ts';
export { Category, Price, Product, TaxCategory, TaxRate, Variant } from './entities/catalog.ts';
export { StockLevel, StockMovement, STOCK_REASONS, type StockReason } from './entities/inventory.ts';
export {
  IdempotencyKey,
  Payment,
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  ReceiptGap,
  RegisterCounter,
  Sale,
  SALE_KINDS,
  SALE_STATUSES,
  SaleLine,
  SaleTax,
} from './entities/sales.ts';
export { OutboxEvent, ProviderEvent } from './entities/messaging.ts';
export { ReceiptMail } from './entities/receipt-mail.ts';
export { TenantLock, TENANT_LOCKS, type TenantLockName } from './entities/tenant-lock.ts';
export {
  dropTenantDatabase,
  generateDatabasePassword,
  grantTenantSchema,
  hardenDatabase,
  hardeningStatements,
  isTenantRoleCurrent,
  provisionTenantRole,
  TENANT_ROLE_SETTINGS,
  type ProvisionOptions,
  type TenantDatabase,
} from './roles.ts';
export { createPgPool, isDatabaseUnavailable } from './pool.ts';
export {
  addMissingStaff,
  addMissingStores,
  addMissingTillDevice,
  countStores,
  existingStaffIds,
  writeTenantProfile,
  TENANT_PROFILE_SETTING,
  type SeedStaffMember,
  type TenantProfile,
} from './rows.ts';
