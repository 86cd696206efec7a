// The settings domain's public face: its routes, and the effective settings other domains read.
export { settingsRoutes } from './routes.ts';
export {
  defaultSettings,
  effectiveSettings,
  getSettings,
  receiptProfileOf,
  SETTING_KEYS,
} from './repository.ts';
export type { OfflineLimits, ReceiptProfile, ReceiptTextSettings, Settings } from './schemas.ts';
