// Pairing this browser as a register (a till device of a store) and unpairing it, three ways:
//   - with a one-time pairing code an owner or manager made (POST /v1/devices/pair): the main path,
//     nobody signs in here, the register learns its store from the answer and starts at receipt 1;
//   - setting up a new tenant's store with the portal's one-time setup code (POST /v1/setup): the
//     first owner and this register are made together, and the owner is signed in;
//   - advanced: an owner or manager signs in once with the register's id and secret (shown when the
//     register was created: POST /v1/devices, or `npm start` for the demo) and their code and PIN.
// The register keeps its id and secret, its code, its store and the next receipt number it must use.
import { api } from './api.ts';
import { syncCatalog } from './catalog-sync.ts';
import type { Register, StoredSession, TillDb } from './db.ts';
import { NEXT_RECEIPT } from './outbox.ts';
import { rememberPin, signInOnline, toStored, type SessionAnswer } from './sessions.ts';

interface DeviceView {
  id: string;
  name: string;
  code: string;
  storeId: string | null;
  revokedAt: string | null;
}
interface StoreView {
  id: string;
  code: string;
  name: string;
  currency: string;
  timezone: string;
  closedAt: string | null;
}

export interface PairingInput {
  deviceId: string;
  deviceSecret: string;
  staffCode: string;
  pin: string;
}

export class PairingRefused extends Error {}

/**
 * The register has no store and the account has several: the owner or manager who is signed in
 * picks one, and `choose` gives the register that store (PATCH /v1/devices/:id) and pairs it.
 */
export class StoreChoiceNeeded extends Error {
  readonly stores: { id: string; code: string; name: string }[];
  readonly choose: (storeId: string) => Promise<{ register: Register; session: StoredSession }>;

  constructor(
    stores: { id: string; code: string; name: string }[],
    choose: (storeId: string) => Promise<{ register: Register; session: StoredSession }>,
  ) {
    super('Which store is this register in?');
    this.stores = stores;
    this.choose = choose;
  }
}

/** The last number the register used, from its newest sales on the server (0 when none). */
export function lastReceiptNumber(labels: (string | null)[], registerCode: string): number {
  let last = 0;
  for (const label of labels) {
    const match = label ? new RegExp(`-${registerCode}-(\\d+)$`).exec(label) : null;
    if (match) last = Math.max(last, Number(match[1]));
  }
  return last;
}

export async function pairRegister(
  db: TillDb,
  input: PairingInput,
): Promise<{ register: Register; session: StoredSession }> {
  const session = await signInOnline(input, input.staffCode, input.pin);
  if (session.role === 'cashier') {
    // The sign-in only checked who it was: end it on the server (best effort).
    await api('/v1/auth/sign-out', { method: 'POST', body: { refreshToken: session.refreshToken } }).catch(
      () => undefined,
    );
    throw new PairingRefused('Only an owner or a manager can pair a register. Ask one to sign in here.');
  }
  return pairAsSignedIn(
    db,
    { deviceId: input.deviceId, deviceSecret: input.deviceSecret },
    session,
    input.pin,
  );
}

export interface SetupInput {
  setupCode: string;
  owner: { code: string; displayName: string; pin: string };
  registerName: string;
}

interface SetupAnswer extends SessionAnswer {
  device: DeviceView & { secret: string };
}

/**
 * A new tenant's first owner and this register, with the one-time setup code the portal shows; the
 * owner is signed in on the register afterwards.
 */
export async function setUpStore(
  db: TillDb,
  input: SetupInput,
): Promise<{ register: Register; session: StoredSession }> {
  const answer = await api<SetupAnswer>('/v1/setup', {
    method: 'POST',
    body: { setupCode: input.setupCode, owner: input.owner, device: { name: input.registerName } },
  });
  return pairAsSignedIn(
    db,
    { deviceId: answer.device.id, deviceSecret: answer.device.secret },
    toStored(answer),
    input.owner.pin,
  );
}

interface PairAnswer extends DeviceView {
  secret: string;
  store: Omit<StoreView, 'closedAt'>;
}

/**
 * Pairs with a one-time code (made by an owner or manager in the portal): the new register has
 * sold nothing yet, so its first receipt is number 1. Nobody is signed in afterwards.
 */
export async function pairWithCode(
  db: TillDb,
  input: { code: string; registerName: string },
): Promise<{ register: Register }> {
  const answer = await api<PairAnswer>('/v1/devices/pair', {
    method: 'POST',
    body: { code: input.code, device: { name: input.registerName } },
  });
  const register = registerOf(answer, answer.secret, answer.store);
  await saveRegister(db, register, 1);
  return { register };
}

function registerOf(device: DeviceView, deviceSecret: string, store: Omit<StoreView, 'closedAt'>): Register {
  return {
    deviceId: device.id,
    deviceSecret,
    name: device.name,
    code: device.code,
    storeId: store.id,
    storeCode: store.code,
    storeName: store.name,
    tenant: {
      slug: location.hostname.split('.')[0] ?? '',
      currency: store.currency,
      timezone: store.timezone,
    },
    pairedAt: new Date().toISOString(),
  };
}

async function saveRegister(db: TillDb, register: Register, nextReceipt: number, session?: StoredSession) {
  const tx = db.transaction(['meta', 'sessions'], 'readwrite');
  await Promise.all([
    tx.objectStore('meta').put(register, 'register'),
    tx.objectStore('meta').put(nextReceipt, NEXT_RECEIPT),
    ...(session ? [tx.objectStore('sessions').put(session)] : []),
  ]);
  await tx.done;
}

/**
 * With an owner or manager signed in on the register: learn its code and store, and the next
 * receipt number from its newest sales on the server; keep the session and sync the catalog.
 */
async function pairAsSignedIn(
  db: TillDb,
  credentials: { deviceId: string; deviceSecret: string },
  session: StoredSession,
  pin: string,
  chosenStoreId?: string,
): Promise<{ register: Register; session: StoredSession }> {
  const token = session.accessToken;
  const [{ items: devices }, stores] = await Promise.all([
    api<{ items: DeviceView[] }>('/v1/devices', { token }),
    api<{ items: StoreView[] }>('/v1/stores', { token }),
  ]);
  let device = devices.find((candidate) => candidate.id === credentials.deviceId);
  if (!device) throw new PairingRefused('The server does not know this register.');
  const open = stores.items.filter((store) => !store.closedAt);
  if (!device.storeId && open.length > 1) {
    if (!chosenStoreId)
      throw new StoreChoiceNeeded(open, (storeId) => pairAsSignedIn(db, credentials, session, pin, storeId));
    device = await api<DeviceView>(`/v1/devices/${device.id}`, {
      method: 'PATCH',
      token,
      body: { storeId: chosenStoreId },
    });
  }
  const storeId = device.storeId;
  const store = storeId ? stores.items.find((s) => s.id === storeId) : open[0];
  if (!store) throw new PairingRefused('This account has no open store for the register to sell in.');
  const sales = await api<{ items: { receiptNumber: string | null }[] }>(
    `/v1/sales?${new URLSearchParams({ deviceId: device.id, limit: '100' }).toString()}`,
    { token },
  );
  const register = registerOf(device, credentials.deviceSecret, store);
  const next =
    lastReceiptNumber(
      sales.items.map((sale) => sale.receiptNumber),
      device.code,
    ) + 1;
  await saveRegister(db, register, next, session);
  await rememberPin(db, session, pin);
  await syncCatalog(db, register, token);
  return { register, session };
}

/** Why the register cannot be unpaired now, or undefined when it can. */
export async function unpairBlocker(db: TillDb): Promise<string | undefined> {
  const [queued, attention] = await Promise.all([db.count('outbox'), db.count('attention')]);
  if (queued > 0) return `${queued} sale(s) are not on the server yet. Sync them before unpairing.`;
  if (attention > 0) return `${attention} sale(s) need attention. Resolve them before unpairing.`;
  return undefined;
}

/** Ends every session on the server (best effort) and forgets everything this register kept. */
export async function unpairRegister(db: TillDb): Promise<void> {
  const blocker = await unpairBlocker(db);
  if (blocker) throw new PairingRefused(blocker);
  for (const session of await db.getAll('sessions')) {
    // Best effort: offline, the refresh tokens simply run out on the server.
    await api('/v1/auth/sign-out', { method: 'POST', body: { refreshToken: session.refreshToken } }).catch(
      () => undefined,
    );
  }
  const stores = ['meta', 'products', 'categories', 'taxRates', 'sessions', 'sales'] as const;
  const tx = db.transaction([...stores], 'readwrite');
  await Promise.all(stores.map((name) => tx.objectStore(name).clear()));
  await tx.done;
}
