// The settings domain's public face: its routes, and the effective settings other domains read.
export { settingsRoutes } from './routes.ts';
export { defaultSettings, effectiveSettings, getSettings, SETTING_KEYS } from './repository.ts';
export type { OfflineLimits, ReceiptTextSettings, Settings } from './schemas.ts';
