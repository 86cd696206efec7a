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
  route('tenants/:slug', 'routes/tenant.tsx'),
] satisfies RouteConfig;
