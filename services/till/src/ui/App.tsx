// The till's screens and what they share: the IndexedDB database, the paired register, the
// signed-in staff member, the local catalog and the outbox's sync state.
import { useCallback, useEffect, useState } from 'react';
import { loadCatalog, syncCatalog, type LocalCatalog } from '../catalog-sync.ts';
import { getRegister, openTillDb, type Register, type StoredSession, type TillDb } from '../db.ts';
import type { ResumedSale } from '../parked.ts';
import { accessTokenOf, storedAccessToken } from '../sessions.ts';
import { startSyncRunner, type SyncRunner, type SyncState } from '../sync-runner.ts';
import { setTraceCredentials } from '../telemetry.ts';
import { PairScreen } from './PairScreen.tsx';
import { ParkedScreen } from './ParkedScreen.tsx';
import { ReceiptScreen } from './ReceiptScreen.tsx';
import { ReturnScreen } from './ReturnScreen.tsx';
import { SellScreen } from './SellScreen.tsx';
import { SignInScreen } from './SignInScreen.tsx';
import { SyncScreen } from './SyncScreen.tsx';
import { useInactivityLock } from './useInactivityLock.ts';

const CURRENT_STAFF = 'till.currentStaffId';
export const LOCK_AFTER_MS = 5 * 60_000;

export type View =
  | { name: 'sell'; resume?: ResumedSale }
  | { name: 'sync' }
  | { name: 'parked' }
  | { name: 'return' }
  | { name: 'receipt'; saleKey: string };

export interface TillContext {
  db: TillDb;
  register: Register;
  session: StoredSession;
  catalog: LocalCatalog;
  sync: SyncRunner;
  syncState: SyncState;
  show: (view: View) => void;
  signOut: (reason?: string) => void;
  /** After the register was unpaired: back to the pairing screen. */
  unpaired: () => void;
}

export function App() {
  const [db, setDb] = useState<TillDb>();
  const [register, setRegister] = useState<Register | null>();
  const [session, setSession] = useState<StoredSession | null>(null);
  const [catalog, setCatalog] = useState<LocalCatalog>();
  const [sync, setSync] = useState<SyncRunner>();
  const [syncState, setSyncState] = useState<SyncState>();
  const [view, setView] = useState<View>({ name: 'sell' });
  const [lockMessage, setLockMessage] = useState<string>();
  const [startError, setStartError] = useState<string>();

  useEffect(() => {
    openTillDb()
      .then(async (opened) => {
        setDb(opened);
        const paired = await getRegister(opened);
        setRegister(paired ?? null);
        const staffId = sessionStorage.getItem(CURRENT_STAFF);
        const stored = staffId ? await opened.get('sessions', staffId) : undefined;
        if (stored) setSession(stored);
        if (navigator.storage?.persist) await navigator.storage.persist();
      })
      .catch((error: unknown) =>
        setStartError(
          `This browser does not let the till keep its data (${error instanceof Error ? error.message : String(error)}). ` +
            'Allow site storage, leave private browsing, or free some space.',
        ),
      );
  }, []);

  // The outbox runs for as long as the register is paired, whoever is signed in.
  useEffect(() => {
    if (!db || !register) return;
    const runner = startSyncRunner(db);
    setSync(runner);
    const unsubscribe = runner.subscribe(setSyncState);
    return () => {
      unsubscribe();
      runner.stop();
    };
  }, [db, register]);

  const reloadCatalog = useCallback(async () => {
    if (db && register) setCatalog(await loadCatalog(db, register.tenant.currency));
  }, [db, register]);

  useEffect(() => {
    void reloadCatalog();
  }, [reloadCatalog, register]);

  // Each sign-in refreshes the catalog when the server can be reached; offline, the copy stays.
  useEffect(() => {
    if (!db || !register || !session) return;
    accessTokenOf(db, session.staffId)
      .then((token) => syncCatalog(db, register, token))
      .then(reloadCatalog)
      .catch(() => undefined);
  }, [db, register, session, reloadCatalog]);

  // The till's spans are uploaded as the signed-in staff member; signed out, they are dropped.
  useEffect(() => {
    if (!db || !session) return;
    const staffId = session.staffId;
    return setTraceCredentials(() => storedAccessToken(db, staffId));
  }, [db, session]);

  const signOut = useCallback((reason?: string) => {
    sessionStorage.removeItem(CURRENT_STAFF);
    setSession(null);
    setView({ name: 'sell' });
    setLockMessage(reason);
  }, []);

  useInactivityLock(session !== null, LOCK_AFTER_MS, () =>
    signOut('The till locked itself after 5 minutes without use. Sign in to go on.'),
  );

  if (startError) return <FatalScreen message={startError} />;
  if (!db || register === undefined) return <main className="center-screen">Starting…</main>;
  if (register === null)
    return (
      <PairScreen
        db={db}
        onPaired={(paired, signedIn) => {
          setRegister(paired);
          if (signedIn) {
            sessionStorage.setItem(CURRENT_STAFF, signedIn.staffId);
            setSession(signedIn);
          } else {
            setLockMessage(
              `This device is now register ${paired.code} of ${paired.storeName}. Sign in to sell.`,
            );
          }
        }}
      />
    );
  if (!session)
    return (
      <SignInScreen
        db={db}
        register={register}
        message={lockMessage}
        syncState={syncState}
        onSignedIn={(signedIn) => {
          sessionStorage.setItem(CURRENT_STAFF, signedIn.staffId);
          setLockMessage(undefined);
          setSession(signedIn);
        }}
      />
    );
  if (!catalog || !sync || !syncState) return <main className="center-screen">Loading the catalog…</main>;

  const context: TillContext = {
    db,
    register,
    session,
    catalog,
    sync,
    syncState,
    show: setView,
    signOut,
    unpaired() {
      sessionStorage.removeItem(CURRENT_STAFF);
      setSession(null);
      setCatalog(undefined);
      setView({ name: 'sell' });
      setRegister(null);
    },
  };
  if (view.name === 'sync') return <SyncScreen context={context} />;
  if (view.name === 'receipt') return <ReceiptScreen context={context} saleKey={view.saleKey} />;
  if (view.name === 'parked') return <ParkedScreen context={context} />;
  if (view.name === 'return') return <ReturnScreen context={context} />;
  return <SellScreen key={view.resume?.saleId ?? 'new'} context={context} resume={view.resume} />;
}

function FatalScreen({ message }: { message: string }) {
  return (
    <main className="center-screen">
      <div className="card" role="alert">
        <h1>The till cannot start</h1>
        <p>{message}</p>
      </div>
    </main>
  );
}
