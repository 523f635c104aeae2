/** What every benchmark under bench/ hands to the runner. */

/** A bound a measurement is held to; missing it is reported, never fatal. */
export interface Target {
  /** `below`: the value must be under the bound; `atLeast`: it must reach it. */
  kind: 'below' | 'atLeast';
  bound: number;
}

export interface Measurement {
  label: string;
  value: number;
  unit: string;
  target?: Target;
}

export interface BenchmarkResult {
  measurements: Measurement[];
  /** Everything worth keeping besides the table: rounds, settings, raw samples. Written to the JSON file. */
  details: Record<string, unknown>;
}

export interface Benchmark {
  /** What `npm run bench -- <name>` selects, and the name of its file in bench/results/. */
  name: string;
  description: string;
  run(): Promise<BenchmarkResult>;
}

export const meetsTarget = (measurement: Measurement): boolean | null => {
  const { target, value } = measurement;
  if (!target) return null;
  return target.kind === 'below' ? value < target.bound : value >= target.bound;
};
