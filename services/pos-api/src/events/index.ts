// The tenant's sales as they happen, read back from its NATS stream: GET /v1/sales/events.
export { eventRoutes, type EventRoutesOptions } from './routes.ts';
export {
  natsSaleEvents,
  saleEventsFromConfig,
  SALE_EVENT_SUBJECTS,
  type SaleEvent,
  type SaleEvents,
} from './sale-events.ts';
