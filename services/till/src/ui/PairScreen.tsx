// Pairs this browser as a register, one of three ways: with a one-time pairing code (the main
// path), by setting up a new account's store with the portal's setup code (the first owner), or,
// as an advanced option, with the register's id and secret and an owner's or manager's PIN.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Register, StoredSession, TillDb } from '../db.ts';
import { describeError } from '../messages.ts';
import { PairingRefused, pairRegister, pairWithCode, setUpStore, StoreChoiceNeeded } from '../register.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STAFF_CODE = /^[A-Za-z0-9]{1,16}$/;
const PIN = /^\d{4,12}$/;

type Way = 'code' | 'setup' | 'secret';
const WAYS: { way: Way; label: string }[] = [
  { way: 'code', label: 'Pair with a code' },
  { way: 'setup', label: 'Set up a new store' },
];

/** The trimmed text fields of a submitted form. */
function fieldsOf(form: HTMLFormElement) {
  const data = new FormData(form);
  return (name: string) => {
    const value = data.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
}

export function PairScreen({
  db,
  onPaired,
}: {
  db: TillDb;
  /** Paired; with the signed-in owner or manager when pairing signed one in. */
  onPaired: (register: Register, session?: StoredSession) => void;
}) {
  const [way, setWay] = useState<Way>('code');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  /** Signed in, the register made: which of the account's stores it sells in. */
  const [storeChoice, setStoreChoice] = useState<StoreChoiceNeeded>();

  function choose(next: Way) {
    setWay(next);
    setError(undefined);
  }

  /** Runs a pairing, showing why it failed in plain words. */
  async function attempt(work: () => Promise<{ register: Register; session?: StoredSession }>) {
    setBusy(true);
    setError(undefined);
    try {
      const { register, session } = await work();
      onPaired(register, session);
    } catch (caught) {
      if (caught instanceof StoreChoiceNeeded) setStoreChoice(caught);
      else setError(caught instanceof PairingRefused ? caught.message : describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  function submitCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const field = fieldsOf(event.currentTarget);
    const code = field('pairingCode');
    const registerName = field('registerName');
    if (code.toUpperCase().replace(/[^A-Z0-9]/g, '').length !== 8)
      return setError('A pairing code has 8 letters and digits, like ABCD-EFGH. Check it and try again.');
    if (!registerName) return setError('Give this register a name, such as “Front counter”.');
    void attempt(() => pairWithCode(db, { code, registerName }));
  }

  function submitSetup(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const field = fieldsOf(event.currentTarget);
    const input = {
      setupCode: field('setupCode'),
      owner: { displayName: field('ownerName'), code: field('staffCode'), pin: field('pin') },
      registerName: field('registerName'),
    };
    if (!input.setupCode) return setError('Enter the setup code the portal shows for your new account.');
    if (!input.owner.displayName) return setError('Enter your name.');
    if (!STAFF_CODE.test(input.owner.code))
      return setError('Choose a staff code of up to 16 letters and digits, such as 1000.');
    if (!PIN.test(input.owner.pin)) return setError('Choose a PIN of 4 to 12 digits.');
    if (field('pinAgain') !== input.owner.pin)
      return setError('The two PINs are not the same. Type them again.');
    if (!input.registerName) return setError('Give this register a name, such as “Front counter”.');
    void attempt(() => setUpStore(db, input));
  }

  function submitSecret(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const field = fieldsOf(event.currentTarget);
    const input = {
      deviceId: field('deviceId'),
      deviceSecret: field('deviceSecret'),
      staffCode: field('staffCode'),
      pin: field('pin'),
    };
    if (!UUID.test(input.deviceId))
      return setError(
        'The register ID looks like de300000-0000-4000-8000-0000000000d1. Check it and try again.',
      );
    if (!input.deviceSecret) return setError('Enter the register secret.');
    if (!STAFF_CODE.test(input.staffCode)) return setError('Enter your staff code (letters and digits).');
    if (!PIN.test(input.pin)) return setError('A PIN has 4 to 12 digits.');
    void attempt(() => pairRegister(db, input));
  }

  const failure = error && (
    <p className="error" role="alert">
      {error}
    </p>
  );

  if (storeChoice)
    return (
      <main className="center-screen">
        <div className="card pair-form">
          <h1>Which store is this register in?</h1>
          <p>This account has several stores. The register sells in the one you choose.</p>
          <div className="pair-fields" role="group" aria-label="Stores">
            {storeChoice.stores.map((store) => (
              <button
                key={store.id}
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => void attempt(() => storeChoice.choose(store.id))}
              >
                {store.name} ({store.code})
              </button>
            ))}
          </div>
          {failure}
        </div>
      </main>
    );

  return (
    <main className="center-screen">
      <div className="card pair-form">
        <h1>Pair this device as a register</h1>
        <div className="pair-ways" role="group" aria-label="How to pair">
          {WAYS.map((choice) => (
            <button
              key={choice.way}
              type="button"
              className={way === choice.way ? 'tab selected' : 'tab'}
              aria-pressed={way === choice.way}
              onClick={() => choose(choice.way)}
            >
              {choice.label}
            </button>
          ))}
        </div>
        {way === 'code' && (
          <PairForm
            onSubmit={submitCode}
            intro="An owner or manager makes a pairing code in the portal. It works once, for 10 minutes."
            submit={busy ? 'Pairing…' : 'Pair register'}
            busy={busy}
            failure={failure}
          >
            <label>
              Pairing code
              <input
                name="pairingCode"
                className="code-input"
                placeholder="ABCD-EFGH"
                autoComplete="off"
                autoCapitalize="characters"
                spellCheck={false}
                autoFocus
                required
              />
            </label>
            <RegisterName />
          </PairForm>
        )}
        {way === 'setup' && (
          <PairForm
            onSubmit={submitSetup}
            intro="For a new account: the portal shows a one-time setup code. You become the owner, and this device the first register."
            submit={busy ? 'Setting up…' : 'Set up this store'}
            busy={busy}
            failure={failure}
          >
            <label>
              Setup code
              <input
                name="setupCode"
                autoComplete="off"
                autoCapitalize="characters"
                spellCheck={false}
                required
              />
            </label>
            <label>
              Your name
              <input name="ownerName" autoComplete="name" maxLength={100} required />
            </label>
            <label>
              Your staff code
              <input name="staffCode" inputMode="numeric" autoComplete="username" maxLength={16} required />
            </label>
            <label>
              Choose a PIN (4 to 12 digits)
              <input name="pin" type="password" inputMode="numeric" autoComplete="new-password" required />
            </label>
            <label>
              The PIN again
              <input
                name="pinAgain"
                type="password"
                inputMode="numeric"
                autoComplete="new-password"
                required
              />
            </label>
            <RegisterName />
          </PairForm>
        )}
        {way === 'secret' && (
          <PairForm
            onSubmit={submitSecret}
            intro="An owner or manager pairs a register once. The register ID and secret are shown when the register is created."
            submit={busy ? 'Pairing…' : 'Pair register'}
            busy={busy}
            failure={failure}
          >
            <label>
              Register ID
              <input name="deviceId" autoComplete="off" spellCheck={false} required />
            </label>
            <label>
              Register secret
              <input name="deviceSecret" type="password" autoComplete="off" required />
            </label>
            <label>
              Your staff code
              <input name="staffCode" inputMode="numeric" autoComplete="username" required />
            </label>
            <label>
              Your PIN
              <input
                name="pin"
                type="password"
                inputMode="numeric"
                autoComplete="current-password"
                required
              />
            </label>
          </PairForm>
        )}
        {way === 'secret' ? (
          <button type="button" className="secondary" onClick={() => choose('code')}>
            Back to pairing with a code
          </button>
        ) : (
          <button type="button" className="secondary" onClick={() => choose('secret')}>
            Advanced: register ID and secret
          </button>
        )}
      </div>
    </main>
  );
}

function RegisterName() {
  return (
    <label>
      Name of this register
      <input name="registerName" defaultValue="Front counter" autoComplete="off" maxLength={100} required />
    </label>
  );
}

function PairForm({
  onSubmit,
  intro,
  submit,
  busy,
  failure,
  children,
}: {
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  intro: string;
  submit: string;
  busy: boolean;
  failure: ReactNode;
  children: ReactNode;
}) {
  return (
    <form className="pair-fields" onSubmit={onSubmit} noValidate>
      <p>{intro}</p>
      {children}
      {failure}
      <button type="submit" className="primary" disabled={busy}>
        {submit}
      </button>
    </form>
  );
}
