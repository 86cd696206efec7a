import { type RouteConfig, index, route } from '@react-router/dev/routes';

export default [
  index('routes/home.tsx'),
  route('signup', 'routes/signup.tsx'),
  route('check-email', 'routes/check-email.tsx'),
  route('verify-email', 'routes/verify-email.tsx'),
  route('login', 'routes/login.tsx'),
  route('logout', 'routes/logout.tsx'),
  route('forgot-password', 'routes/forgot-password.tsx'),
  route('reset-password', 'routes/reset-password.tsx'),
  route('plans', 'routes/plans.tsx'),
  route('team', 'routes/team.tsx'),
  route('invitations/accept', 'routes/accept-invitation.tsx'),
  // Platform operators: their own logins and sessions (src/admin.ts), never a merchant's.
  route('admin', 'routes/admin/tenants.tsx'),
  route('admin/login', 'routes/admin/login.tsx'),
  route('admin/logout', 'routes/admin/logout.tsx'),
  route('tenants/:slug', 'routes/tenant.tsx'),
  route('tenants/:slug/billing', 'routes/billing.tsx'),
  // Store management: every page's loader calls the tenant's POS API as the signed-in user (ADR 0015).
  route('tenants/:slug/manage', 'routes/manage/layout.tsx', { id: 'manage' }, [
    index('routes/manage/home.tsx'),
    route('live-sales', 'routes/manage/live-sales.ts'),
    route('stores', 'routes/manage/stores.tsx'),
    route('registers', 'routes/manage/registers.tsx'),
    route('products', 'routes/manage/products.tsx'),
    route('products/new', 'routes/manage/product-new.tsx'),
    route('products/import', 'routes/manage/product-import.tsx'),
    route('products/import/template.csv', 'routes/manage/product-import-template.ts'),
    route('products/:id', 'routes/manage/product-edit.tsx'),
    route('taxes', 'routes/manage/taxes.tsx'),
    route('staff', 'routes/manage/staff.tsx'),
    route('settings', 'routes/manage/settings.tsx'),
    route('audit', 'routes/manage/audit.tsx'),
    route('sales', 'routes/manage/sales.tsx'),
    route('sales/:id', 'routes/manage/sale.tsx'),
  ]),
] satisfies RouteConfig;
