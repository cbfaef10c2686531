/**
 * Send-time optimisation on a simulated population: BENCH_USERS (2,000) users with known habits, in
 * nine time zones, each with an active hour of their local day; BENCH_NEVER_READ (10 %) of them
 * never read. Every day each user gets one marketing event under a rule that sends its digest at
 * the user's best hour (`sendAt: "best"`, `fallbackAt: "09:00"`); the routing decision is the
 * router's own (`decideDelivery`, which reads the learned profiles from the store), and its
 * `batched` steps and the users' `read` steps go through the router's own learning
 * (`learnReadTimes`) in the order and batches the consumer of delivery.status would see them, a
 * `read` step redelivered now and then. The store
 * is the in-memory one: the simulation measures the method, not the database.
 *
 * The simulated days start on Monday 19 October 2026, so the two weeks cross both daylight saving
 * changes of Europe (25 October) and North America (1 November).
 *
 * Three populations: `habitual` (the habits below), `noisy` (the active hour on half the days, more
 * stray sessions, two digests in five opened as they arrive: reads the send time itself causes), and
 * `noisy-no-reactions` (the same with no digest opened as it arrives: what that feedback costs). Measured per day: the share of users with a habit whose digest lands in their active
 * hour (the target: at least 80 % after two weeks), within an hour of it, and on the learned hour.
 * Prints and writes bench/results/send-time.json.
 */
import type { DeliveryStatus, Notification, NotifyEvent } from '@notify/contracts';
import { decideDelivery, learnReadTimes, localHour, planDelivery, RuleSet, SEND_TIME_POLICY, type RecipientFate } from '@notify/router';
import { createMemoryStore, type Rule } from '@notify/store';
import { saveResults } from './support/results';

const USERS = Number(process.env.BENCH_USERS ?? 2000);
const DAYS = Number(process.env.BENCH_DAYS ?? 14);
const NEVER_READ = Number(process.env.BENCH_NEVER_READ ?? 0.1);
const SEED = Number(process.env.BENCH_SEED ?? 17);
const FALLBACK_AT = '09:00';
/** When the product sends the day's marketing event (UTC): a digest is scheduled then for each user. */
const SEND_HOUR_UTC = 5;
const START = Date.UTC(2026, 9, 19); // Monday 19 October 2026
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60_000;

/** The habits every simulated user has (what the simulation knows and the learning must find). */
type Habits = typeof HABITUAL;
const HABITUAL = {
  /** Chance the user opens the app in their active hour on a given day. */
  activeDay: 0.85,
  /** Minutes the session drifts around its usual minute (10 to 49 past the hour; normal): some start in the hour before or after. */
  jitterMinutes: 15,
  /** Chance of one session at a random hour (7:00–23:59) on a given day, and of a second one. */
  strayDay: 0.5,
  secondStray: 0.3,
  /** Chance the user opens a digest within 15 minutes of it arriving, whenever it arrives. */
  reactsToPush: 0.2,
  /** Chance a `read` step is delivered twice (a consumer retry or redelivery). */
  redelivered: 0.05,
};
const NOISY: Habits = { ...HABITUAL, activeDay: 0.5, jitterMinutes: 20, strayDay: 0.8, secondStray: 0.5, reactsToPush: 0.4 };

const TIME_ZONES = ['Europe/Paris', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'America/Sao_Paulo', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney', 'UTC'];

/** A small seeded generator (mulberry32): the same population and habits on every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = generator(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** The instant a clock in `timeZone` shows the given local date and time (a skipped time lands an hour later). */
function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(year, month, day, hour, minute);
  const offsetAt = (instant: number) => {
    const parts = Object.fromEntries(offsetFormat(timeZone).formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]));
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - Math.floor(instant / MINUTE_MS) * MINUTE_MS;
  };
  let instant = wall - offsetAt(wall);
  instant = wall - offsetAt(instant);
  return new Date(instant);
}
const formats = new Map<string, Intl.DateTimeFormat>();
function offsetFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) formats.set(timeZone, (format = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' })));
  return format;
}

interface SimUser {
  userId: string;
  timeZone: string;
  /** null: never reads. */
  activeHour: number | null;
  /** The minute of the hour the user's session usually starts. */
  usualMinute: number;
}

// Active hours as product analytics show them: mornings, lunch, most in the evening.
const ACTIVE_HOURS = [7, 7, 8, 8, 8, 9, 12, 12, 13, 17, 18, 18, 19, 19, 19, 20, 20, 20, 21, 21, 22, 22, 23, 6, 10, 15];
const users: SimUser[] = Array.from({ length: USERS }, (_, i) => ({
  userId: `u${String(i).padStart(5, '0')}`,
  timeZone: pick(TIME_ZONES),
  activeHour: random() < NEVER_READ ? null : pick(ACTIVE_HOURS),
  usualMinute: 10 + Math.floor(random() * 40),
}));
const habitUsers = users.filter((u) => u.activeHour !== null);

/** One user's sessions on their local day `dayIndex`, as instants. */
function sessionsOn(user: SimUser, dayIndex: number, habits: Habits): Date[] {
  if (user.activeHour === null) return [];
  const date = new Date(START + dayIndex * DAY_MS);
  const at = (hour: number, minute: number) => zonedInstant(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hour, minute, user.timeZone);
  const sessions: Date[] = [];
  if (random() < habits.activeDay) sessions.push(new Date(at(user.activeHour, user.usualMinute).getTime() + Math.round(normal() * habits.jitterMinutes) * MINUTE_MS));
  if (random() < habits.strayDay) sessions.push(at(7 + Math.floor(random() * 17), Math.floor(random() * 60)));
  if (random() < habits.secondStray) sessions.push(at(7 + Math.floor(random() * 17), Math.floor(random() * 60)));
  return sessions;
}

let readSeq = 0;
/** The `read` steps of a session: a few notifications read a few seconds apart, some delivered twice. */
function readSteps(user: SimUser, at: Date, count: number, habits: Habits): DeliveryStatus[] {
  const steps: DeliveryStatus[] = [];
  for (let i = 0; i < count; i++) {
    const id = `r${readSeq++}`;
    const step: DeliveryStatus = { version: 1, eventId: id, notificationId: `${id}:${user.userId}`, userId: user.userId, status: 'read', channel: 'inapp', service: 'gateway', at: new Date(at.getTime() + i * 4000).toISOString() };
    steps.push(step);
    if (random() < habits.redelivered) steps.push(step);
  }
  return steps;
}

const now0 = new Date(START);
const rule: Rule = {
  ruleId: 'weekly-offers',
  name: 'offers at each user’s best hour',
  enabled: true,
  order: 1,
  revision: 1,
  createdAt: now0,
  updatedAt: now0,
  updatedBy: 'bench',
  definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', batching: { windowMs: 60 * MINUTE_MS, maxItems: 20, title: '{{count}} offers', sendAt: 'best', fallbackAt: FALLBACK_AT } } },
};
const rules = RuleSet.compile([rule]);
const userById = new Map(users.map((u) => [u.userId, u]));

const circularApart = (a: number, b: number) => Math.min(Math.abs(a - b), 24 - Math.abs(a - b));
const pct = (n: number, of: number) => Math.round((1000 * n) / Math.max(1, of)) / 10;

interface DayResult {
  day: number;
  date: string;
  /** Of users with a habit: digest in their active hour, within an hour of it, sent at the learned hour. */
  inActiveHourPct: number;
  withinAnHourPct: number;
  learnedPct: number;
  /** Of users who never read: still on the fallback (should stay 100). */
  neverReadOnFallbackPct: number;
  decideMs: number;
}

/** Two weeks of one population: a fresh store, the same users, these habits. */
async function simulate(name: string, habits: Habits) {
  const store = createMemoryStore();
  for (const user of users) await store.preferences.upsert(user.userId, { timeZone: user.timeZone });
  /** Read steps not yet consumed, oldest first once sorted. */
  let pending: DeliveryStatus[] = [];
  let generatedThrough = -1;
  const generateDay = (dayIndex: number) => {
    for (const user of users) for (const at of sessionsOn(user, dayIndex, habits)) pending.push(...readSteps(user, at, 1 + Math.floor(random() * 4), habits));
    generatedThrough = dayIndex;
  };

  /** Feeds every read (and batched) step before `until` to the learning, in the consumer's batches of up to 1,000, in time order. */
  let learnMs = 0;
  let stepsLearned = 0;
  async function consumeUntil(until: Date): Promise<void> {
    pending.sort((a, b) => a.at.localeCompare(b.at));
    const due = pending.filter((s) => new Date(s.at) < until);
    pending = pending.filter((s) => new Date(s.at) >= until);
    const started = performance.now();
    for (let i = 0; i < due.length; i += 1000) {
      const batch = due.slice(i, i + 1000);
      await learnReadTimes({ sendTimes: store.sendTimes, timeZoneOf: (userId) => userById.get(userId)!.timeZone }, batch, new Date(batch[batch.length - 1]!.at));
    }
    learnMs += performance.now() - started;
    stepsLearned += due.length;
  }

  const days: DayResult[] = [];
  generateDay(0);
  const runStarted = performance.now();
  for (let day = 0; day <= DAYS; day++) {
    const decisionAt = new Date(START + day * DAY_MS + SEND_HOUR_UTC * 3_600_000);
    // Reads up to a day ahead of the decision exist (every time zone's local day), and are consumed up to it.
    while (generatedThrough < day + 1) generateDay(generatedThrough + 1);
    await consumeUntil(decisionAt);

    const fates: RecipientFate[] = [];
    const decideStarted = performance.now();
    for (let from = 0; from < users.length; from += 1000) {
      const chunk = users.slice(from, from + 1000);
      const event: NotifyEvent = { version: 1, id: `promo-${day}-${from}`, type: 'promo.weekly', to: { userIds: chunk.map((u) => u.userId) }, payload: { title: 'Weekly offers' }, createdAt: decisionAt.toISOString() };
      const { ruleId, outcome } = rules.evaluate(event);
      const plan = planDelivery(event, outcome, decisionAt);
      if (plan.kind !== 'deliver') throw new Error(`the offers were not delivered: ${plan.kind}`);
      fates.push(
        ...(await decideDelivery({
          ruleId,
          outcome,
          lane: plan.lane,
          notifications: plan.notifications as Notification[],
          category: undefined,
          isOnline: () => false,
          preferencesOf: async (userIds) => new Map(await Promise.all(userIds.map(async (userId) => [userId, await store.preferences.get(userId)] as const))),
          sendTimesOf: (userIds) => store.sendTimes.getMany(userIds),
          now: decisionAt,
        })),
      );
    }
    const decideMs = performance.now() - decideStarted;

    let inHour = 0;
    let nearHour = 0;
    let learned = 0;
    let dormantOnFallback = 0;
    for (const fate of fates) {
      if (fate.kind !== 'digest') throw new Error(`expected a digest, got ${fate.kind}`);
      const user = userById.get(fate.notification.userId)!;
      // The batched step routing writes: the learning sees when the digest is due.
      if (fate.sendTime) pending.push({ version: 1, eventId: fate.notification.eventId, notificationId: fate.notification.notificationId, userId: user.userId, status: 'batched', channel: 'push', service: 'router', at: decisionAt.toISOString(), detail: { digestKey: fate.digestKey, sendAt: fate.flushAt.toISOString(), sendTime: { sendAt: fate.sendTime.sendAt, source: fate.sendTime.source } } });
      if (user.activeHour === null) {
        if (fate.sendTime?.source === 'fallback') dormantOnFallback++;
        continue;
      }
      const hour = localHour(fate.flushAt, user.timeZone).hour;
      if (hour === user.activeHour) inHour++;
      if (circularApart(hour, user.activeHour) <= 1) nearHour++;
      if (fate.sendTime?.source === 'learned') learned++;
      // Some users open a digest soon after it arrives, whenever that is: a read the learning sees too.
      if (random() < habits.reactsToPush) pending.push(...readSteps(user, new Date(fate.flushAt.getTime() + Math.floor(random() * 15) * MINUTE_MS), 1, habits));
    }
    const result: DayResult = {
      day: day + 1,
      date: decisionAt.toISOString().slice(0, 10),
      inActiveHourPct: pct(inHour, habitUsers.length),
      withinAnHourPct: pct(nearHour, habitUsers.length),
      learnedPct: pct(learned, habitUsers.length),
      neverReadOnFallbackPct: pct(dormantOnFallback, users.length - habitUsers.length),
      decideMs: Math.round(decideMs),
    };
    days.push(result);
    console.log(`${name}, day ${String(result.day).padStart(2)} (${result.date}): in the active hour ${result.inActiveHourPct}%, within an hour ${result.withinAnHourPct}%, on the learned hour ${result.learnedPct}%; never-readers on the fallback ${result.neverReadOnFallbackPct}%`);
  }
  const elapsedMs = performance.now() - runStarted;
  const final = days[days.length - 1]!;
  const profiles = await store.sendTimes.getMany(users.map((u) => u.userId));
  const afterTwoWeeks = { day: final.day, inActiveHourPct: final.inActiveHourPct, withinAnHourPct: final.withinAnHourPct, learnedPct: final.learnedPct, neverReadOnFallbackPct: final.neverReadOnFallbackPct, target: 80, met: final.inActiveHourPct >= 80 };
  const work = { stepsLearned: stepsLearned, learnMs: Math.round(learnMs), learnStepsPerSecond: Math.round(stepsLearned / (learnMs / 1000)), profiles: profiles.size, countedSlotsPerProfileMax: Math.max(...[...profiles.values()].map((p) => p.countedSlots.length)), elapsedMs: Math.round(elapsedMs) };
  console.log(
    `${name}: after ${DAYS} days of reads, ${final.inActiveHourPct}% of the ${habitUsers.length} users with a habit get their digest in their active hour (target 80%: ${afterTwoWeeks.met ? 'met' : 'not met'}), ${final.withinAnHourPct}% within an hour of it; ${final.neverReadOnFallbackPct}% of the ${USERS - habitUsers.length} who never read stay on the fallback`,
  );
  console.log(`${name}: learning took ${work.learnMs} ms for ${work.stepsLearned} read and batched steps (${work.learnStepsPerSecond}/s, store in memory); at most ${work.countedSlotsPerProfileMax} counted hours kept per profile`);
  return { name, habits, afterTwoWeeks, perDay: days, work };
}

// The noisy population again with nobody opening a digest as it arrives: what the feedback costs.
const scenarios = [await simulate('habitual', HABITUAL), await simulate('noisy', NOISY), await simulate('noisy-no-reactions', { ...NOISY, reactsToPush: 0 })];
await saveResults('send-time', {
  benchmark: 'send-time',
  takenAt: new Date().toISOString(),
  store: 'memory (a simulation of the method: the routing decision and the learning are the router’s functions, the store the in-memory one)',
  population: { users: USERS, withHabit: habitUsers.length, neverRead: USERS - habitUsers.length, timeZones: TIME_ZONES, seed: SEED, firstDay: new Date(START).toISOString().slice(0, 10) },
  rule: rule.definition,
  policy: { halfLifeDays: SEND_TIME_POLICY.halfLifeMs / DAY_MS, minSamples: SEND_TIME_POLICY.minSamples, minWeight: SEND_TIME_POLICY.minWeight, slotMemoryDays: SEND_TIME_POLICY.slotMemoryMs / DAY_MS, promptWindowMinutes: SEND_TIME_POLICY.promptWindowMs / MINUTE_MS, promptedWeight: SEND_TIME_POLICY.promptedWeight },
  simulatedDays: DAYS,
  scenarios,
});
