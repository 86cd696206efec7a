// The one token that carries the server's services into loaders, actions and middleware. It is
// imported as `#context` on both sides and kept out of the server bundle (vite.config.ts), so the
// Fastify server and the routes share one token. Types only from ../src: nothing server-side ships.
import { createContext } from 'react-router';
import type { PortalServices } from '../src/services.ts';

export const servicesContext = createContext<PortalServices>();

/** Facts about the request that only the server knows (for rate limits). */
export const clientContext = createContext<{ address: string }>();
