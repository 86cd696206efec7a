// The stores domain's public face: its routes, and what other domains may read about a store.
export { storeRoutes } from './routes.ts';
export { getStore, listStores, type StoreView } from './repository.ts';
