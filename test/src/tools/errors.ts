/**
 * An error a person can act on: what went wrong and what to do about it. Command-line entry points
 * print these as two lines instead of a stack trace.
 */
export class ActionableError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionableError';
    this.hint = hint;
  }
}

/** Prints an error for a person and sets a failing exit code; stack traces only for real bugs. */
export function reportFatal(error: unknown): void {
  process.exitCode = 1;
  if (error instanceof ActionableError) {
    process.stderr.write(`\n✖ ${error.message}\n  → ${error.hint}\n\n`);
    return;
  }
  process.stderr.write(`\n✖ Unexpected error (a bug in CloudPOS; please report it):\n`);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n\n`);
}
