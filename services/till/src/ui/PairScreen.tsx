// Pairs this browser as a register: the register's id and secret, and an owner's or manager's
// staff code and PIN.
import { useState, type FormEvent } from 'react';
import type { Register, StoredSession, TillDb } from '../db.ts';
import { describeError } from '../messages.ts';
import { PairingRefused, pairRegister } from '../register.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function PairScreen({
  db,
  onPaired,
}: {
  db: TillDb;
  onPaired: (register: Register, session: StoredSession) => void;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value.trim() : '';
    };
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
    if (!/^[A-Za-z0-9]{1,16}$/.test(input.staffCode))
      return setError('Enter your staff code (letters and digits).');
    if (!/^\d{4,12}$/.test(input.pin)) return setError('A PIN has 4 to 12 digits.');
    setBusy(true);
    setError(undefined);
    try {
      const { register, session } = await pairRegister(db, input);
      onPaired(register, session);
    } catch (caught) {
      setError(caught instanceof PairingRefused ? caught.message : describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="center-screen">
      <form className="card pair-form" onSubmit={(event) => void submit(event)} noValidate>
        <h1>Pair this device as a register</h1>
        <p>
          An owner or manager pairs a register once. The register ID and secret are shown when the register is
          created.
        </p>
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
          <input name="pin" type="password" inputMode="numeric" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Pairing…' : 'Pair register'}
        </button>
      </form>
    </main>
  );
}
