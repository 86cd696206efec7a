// A manager approves, with their code and PIN on this till, the actions the API says need an
// approval (POST /v1/approvals, one per action); the ids go with the request that needs them.
import { useState } from 'react';
import { api } from '../api.ts';
import { describeError } from '../messages.ts';
import { accessTokenOf } from '../sessions.ts';
import type { TillContext } from './App.tsx';

export function ApprovalForm({
  context,
  actions,
  reasons,
  onApproved,
  onCancel,
}: {
  context: TillContext;
  actions: string[];
  reasons: string[];
  onApproved: (ids: string[]) => void;
  onCancel: () => void;
}) {
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string>();
  async function approve() {
    try {
      const token = await accessTokenOf(context.db, context.session.staffId);
      const ids: string[] = [];
      for (const action of actions) {
        const answer = await api<{ approvalId: string }>('/v1/approvals', {
          method: 'POST',
          token,
          body: { action, staffCode: code, pin },
        });
        ids.push(answer.approvalId);
      }
      onApproved(ids);
    } catch (caught) {
      setError(describeError(caught));
      setPin('');
    }
  }
  return (
    <form
      className="approval"
      onSubmit={(event) => {
        event.preventDefault();
        void approve();
      }}
    >
      <h2>A manager must approve</h2>
      <ul>
        {reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <label>
        Manager code
        <input value={code} inputMode="numeric" onChange={(event) => setCode(event.target.value)} />
      </label>
      <label>
        Manager PIN
        <input
          type="password"
          inputMode="numeric"
          value={pin}
          onChange={(event) => setPin(event.target.value)}
        />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary grow">
          Approve
        </button>
      </div>
    </form>
  );
}
