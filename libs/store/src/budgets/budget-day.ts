/** How long a budget unit is kept: past the end of its local day in every time zone. */
export const BUDGET_UNIT_KEPT_MS = 2 * 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    // Time zones are few; the cache stays small without a bound of its own beyond this.
    if (formats.size < 1000) formats.set(timeZone, format);
  }
  return format;
}

/**
 * The calendar day it is in a time zone, as YYYY-MM-DD: the day a budget unit is counted on (a
 * budget starts again at the user's midnight). UTC's day for a zone this runtime does not know.
 */
export function budgetDay(at: Date, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatFor(timeZone).formatToParts(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
  const value = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${value('year')}-${value('month')}-${value('day')}`;
}
