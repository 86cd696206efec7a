// vitest setup file: a test that writes to console.error or console.warn fails, unless it declares
// the output it expects with allowConsole(). Unexpected errors are bugs even when assertions pass.
import { afterEach, beforeEach } from 'vitest';

const original = { error: console.error, warn: console.warn };
let unexpected: string[] = [];
let allowed: RegExp[] = [];

/** Declares console.error/warn output the current test expects (matched against the message). */
export function allowConsole(pattern: RegExp): void {
  allowed.push(pattern);
}

beforeEach(() => {
  unexpected = [];
  allowed = [];
  for (const level of ['error', 'warn'] as const) {
    console[level] = (...args: unknown[]) => {
      const text = args
        .map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : String(arg)))
        .join(' ');
      if (!allowed.some((pattern) => pattern.test(text))) unexpected.push(`console.${level}: ${text}`);
      original[level](...args);
    };
  }
});

afterEach(() => {
  console.error = original.error;
  console.warn = original.warn;
  if (unexpected.length > 0) {
    const lines = unexpected;
    unexpected = [];
    throw new Error(`Unexpected console output during the test:\n${lines.join('\n')}`);
  }
});
