// A platform operator's authenticator app for tests: the codes of an otpauth:// URI, each for a later
// time step than the last (the portal takes a code once), waiting for the clock when it must.
import type { TOTP } from 'otpauth';
import { URI } from 'otpauth';

export function authenticator(uri: string): { code(): Promise<string> } {
  const totp = URI.parse(uri) as TOTP;
  const periodMs = totp.period * 1000;
  let last = -Infinity;
  return {
    async code() {
      // The portal also accepts the step after the current one (clocks a little apart): a code for
      // the current step, or the next when that one was used.
      const step = Math.max(Math.floor(Date.now() / periodMs), last + 1);
      while (step > Math.floor(Date.now() / periodMs) + 1)
        await new Promise((resolve) => setTimeout(resolve, 1000));
      last = step;
      return totp.generate({ timestamp: step * periodMs });
    },
  };
}
