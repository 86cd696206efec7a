// Business days in a tenant's time zone (the Tenant's spec.timezone): where "today" starts and ends
// as instants, across daylight-saving changes. Pure; Intl only, no time zone data of our own.

/** The wall-clock fields of `at` in `timeZone`, read back as if they were UTC. */
function wallClockAsUtc(at: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The instant the local midnight of a calendar date (UTC fields of `date`) happens in `timeZone`. */
function midnight(date: number, timeZone: string): number {
  // The offset at the guess, then at the corrected instant (they differ across a DST change).
  let instant = date - (wallClockAsUtc(date, timeZone) - date);
  instant = date - (wallClockAsUtc(instant, timeZone) - instant);
  return instant;
}

/** The calendar day `now` falls on in `timeZone`, as the instants it starts and ends at. */
export function dayOf(now: Date, timeZone: string): { from: Date; to: Date; date: string } {
  const local = new Date(wallClockAsUtc(now.getTime(), timeZone));
  const start = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const next = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1);
  return {
    from: new Date(midnight(start, timeZone)),
    to: new Date(midnight(next, timeZone)),
    date: new Date(start).toISOString().slice(0, 10),
  };
}
