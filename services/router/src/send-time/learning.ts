/** What the router learns of users' reading hours and how it chooses their best hour: for tools and benchmarks. */
export { chooseSendTime, bestHour, smoothed, type SendTimeChoice } from './best-hour';
export { learnReadTimes, type LearnReadTimesDeps, type LearnedReads } from './learn-read-times';
export { localHour } from './local-clock';
export { recordReads, weightsAt, decayFactor, SEND_TIME_POLICY, type SendTimePolicy } from './read-histogram';
