// Sales: checkout (preview, commit, park, discard), returns (linked and unreceipted), lookup and
// receipts data. The app uses only what is exported here.
export { salesRoutes, type SalesRoutesOptions } from './routes.ts';
