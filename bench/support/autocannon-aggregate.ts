import autocannon from 'autocannon';

/**
 * `autocannon.aggregateResult` (autocannon ≥ 7.10) merges the latency histograms of runs made with
 * `skipAggregateResult`, so rounds can be combined without averaging percentiles. @types/autocannon
 * does not declare it yet.
 */
export interface RawRound {
  totalCompletedRequests: number;
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
}

export const aggregateRounds = (rounds: RawRound[], options: autocannon.Options): autocannon.Result =>
  (autocannon as unknown as { aggregateResult(results: RawRound[], options: autocannon.Options): autocannon.Result }).aggregateResult(rounds, options);
