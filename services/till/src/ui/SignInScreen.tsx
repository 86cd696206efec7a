// Staff sign-in on the number pad: the staff code, then the PIN. Offline, a staff member who signed
// in here recently is checked against the PIN hash cached on the device.
import { useEffect, useState } from 'react';
import { OfflineError } from '../api.ts';
import type { Register, StoredSession, TillDb } from '../db.ts';
import { describeError } from '../messages.ts';
import { rememberPin, signInOffline, signInOnline } from '../sessions.ts';
import type { SyncState } from '../sync-runner.ts';
import { NumberPad } from './NumberPad.tsx';

export function SignInScreen({
  db,
  register,
  message,
  syncState,
  onSignedIn,
}: {
  db: TillDb;
  register: Register;
  message: string | undefined;
  syncState: SyncState | undefined;
  onSignedIn: (session: StoredSession) => void;
}) {
  const [step, setStep] = useState<'code' | 'pin'>('code');
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const value = step === 'code' ? code : pin;
  const setValue = step === 'code' ? setCode : setPin;

  async function submit() {
    if (step === 'code') {
      if (!code) return setError('Enter your staff code.');
      setError(undefined);
      return setStep('pin');
    }
    if (!/^\d{4,12}$/.test(pin)) return setError('A PIN has 4 to 12 digits.');
    setBusy(true);
    setError(undefined);
    try {
      const session = await signInOnline(register, code, pin);
      await db.put('sessions', session);
      await rememberPin(db, session, pin);
      onSignedIn(session);
    } catch (caught) {
      if (caught instanceof OfflineError) {
        const offline = await signInOffline(db, code, pin);
        if ('refused' in offline) setError(offline.refused);
        else return onSignedIn(offline);
      } else setError(describeError(caught));
      setPin('');
    } finally {
      setBusy(false);
    }
  }

  // Desktop keyboards: digits, Backspace and Enter work as on the pad.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement) return;
      if (/^[0-9]$/.test(event.key)) setValue((current) => (current + event.key).slice(0, 16));
      else if (event.key === 'Backspace') setValue((current) => current.slice(0, -1));
      else if (event.key === 'Enter') void submit();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  return (
    <main className="center-screen">
      <div className="card sign-in">
        <h1>{register.storeName}</h1>
        <p className="muted">
          Register {register.code} · {register.name}
          {syncState && syncState.queued > 0 ? ` · ${syncState.queued} sale(s) waiting to sync` : ''}
        </p>
        {message && <p className="notice">{message}</p>}
        <label className="pad-display">
          {step === 'code' ? 'Staff code' : `PIN for ${code}`}
          <input
            value={step === 'code' ? value : '•'.repeat(value.length)}
            readOnly
            aria-live="polite"
            inputMode="none"
          />
        </label>
        <NumberPad
          label={step === 'code' ? 'Staff code' : 'PIN'}
          onDigit={(digit) => setValue((current) => (current + digit).slice(0, 16))}
          onClear={() => setValue('')}
          onBack={() => setValue((current) => current.slice(0, -1))}
        />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          {step === 'pin' && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setStep('code');
                setError(undefined);
                setPin('');
              }}
            >
              Back
            </button>
          )}
          <button type="button" className="primary grow" disabled={busy} onClick={() => void submit()}>
            {step === 'code' ? 'Next' : busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </div>
    </main>
  );
}
