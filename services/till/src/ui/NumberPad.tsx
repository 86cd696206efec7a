// A touch number pad (targets well over 44 px) that also takes the keyboard's digits.
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'] as const;

export function NumberPad({
  label,
  onDigit,
  onClear,
  onBack,
}: {
  label: string;
  onDigit: (digit: string) => void;
  onClear: () => void;
  onBack: () => void;
}) {
  return (
    <div className="number-pad" role="group" aria-label={label}>
      {KEYS.map((key) =>
        key === 'clear' ? (
          <button key={key} type="button" className="pad-key secondary" onClick={onClear}>
            Clear
          </button>
        ) : key === 'back' ? (
          <button
            key={key}
            type="button"
            className="pad-key secondary"
            aria-label="Delete last digit"
            onClick={onBack}
          >
            ⌫
          </button>
        ) : (
          <button key={key} type="button" className="pad-key" onClick={() => onDigit(key)}>
            {key}
          </button>
        ),
      )}
    </div>
  );
}
