/** What a user's clock shows at an instant, to the hour. */
export interface LocalHour {
  /** 0–23. */
  hour: number;
  /** Hours since 1970-01-01 00:00 on the user's clock: one number per clock hour lived, for telling read hours apart. */
  slot: number;
}

// One formatter per time zone (there are a few hundred): building one costs far more than using it.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The hour a clock in `timeZone` shows at `at`, daylight saving time included (20:10 in Paris is hour
 * 20 in winter and in summer). A time zone the runtime does not know is read as UTC.
 */
export function localHour(at: Date, timeZone: string): LocalHour {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatterFor(timeZone).formatToParts(at);
  } catch {
    parts = formatterFor('UTC').formatToParts(at);
  }
  const value = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const hour = value('hour');
  return { hour, slot: Date.UTC(value('year'), value('month') - 1, value('day'), hour) / 3_600_000 };
}
