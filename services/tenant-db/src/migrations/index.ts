import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124073748_stores_and_settings } from './Migration20261124073748_stores_and_settings.ts';
import { Migration20261124100143_staff_and_devices } from './Migration20261124100143_staff_and_devices.ts';
import { Migration20261124101129_catalog_sales_inventory_outbox } from './Migration20261124101129_catalog_sales_inventory_outbox.ts';
import { Migration20261124102048_catalog_search } from './Migration20261124102048_catalog_search.ts';
import { Migration20261124104521_catalog_search_walk } from './Migration20261124104521_catalog_search_walk.ts';
import { Migration20261124111234_sale_line_variant_index } from './Migration20261124111234_sale_line_variant_index.ts';
import { Migration20261205110000_tenant_locks } from './Migration20261205110000_tenant_locks.ts';
import { Migration20261205120000_store_closed_at } from './Migration20261205120000_store_closed_at.ts';
import { Migration20261205130000_per_register_receipts } from './Migration20261205130000_per_register_receipts.ts';
import { Migration20261205140000_unreceipted_returns } from './Migration20261205140000_unreceipted_returns.ts';
import { Migration20261205182604_device_pairing_codes } from './Migration20261205182604_device_pairing_codes.ts';
import { Migration20261205190000_audit_portal_actor } from './Migration20261205190000_audit_portal_actor.ts';
import { Migration20261205233000_payment_position } from './Migration20261205233000_payment_position.ts';
import { Migration20261206100000_sale_completed_at_index } from './Migration20261206100000_sale_completed_at_index.ts';
import { Migration20261207100000_receipt_mail } from './Migration20261207100000_receipt_mail.ts';

/** Every tenant migration, oldest first. Append new ones; never edit one that has shipped. */
export const tenantMigrations: MigrationObject[] = [
  { name: 'Migration20261124073748_stores_and_settings', class: Migration20261124073748_stores_and_settings },
  { name: 'Migration20261124100143_staff_and_devices', class: Migration20261124100143_staff_and_devices },
  {
    name: 'Migration20261124101129_catalog_sales_inventory_outbox',
    class: Migration20261124101129_catalog_sales_inventory_outbox,
  },
  { name: 'Migration20261124102048_catalog_search', class: Migration20261124102048_catalog_search },
  { name: 'Migration20261124104521_catalog_search_walk', class: Migration20261124104521_catalog_search_walk },
  {
    name: 'Migration20261124111234_sale_line_variant_index',
    class: Migration20261124111234_sale_line_variant_index,
  },
  { name: 'Migration20261205110000_tenant_locks', class: Migration20261205110000_tenant_locks },
  { name: 'Migration20261205120000_store_closed_at', class: Migration20261205120000_store_closed_at },
  {
    name: 'Migration20261205130000_per_register_receipts',
    class: Migration20261205130000_per_register_receipts,
  },
  {
    name: 'Migration20261205140000_unreceipted_returns',
    class: Migration20261205140000_unreceipted_returns,
  },
  {
    name: 'Migration20261205182604_device_pairing_codes',
    class: Migration20261205182604_device_pairing_codes,
  },
  {
    name: 'Migration20261205190000_audit_portal_actor',
    class: Migration20261205190000_audit_portal_actor,
  },
  { name: 'Migration20261205233000_payment_position', class: Migration20261205233000_payment_position },
  {
    name: 'Migration20261206100000_sale_completed_at_index',
    class: Migration20261206100000_sale_completed_at_index,
  },
  { name: 'Migration20261207100000_receipt_mail', class: Migration20261207100000_receipt_mail },
];
