/** The nearest-rank percentile (0–100) of some values: one of them, never an interpolation. */
export function percentile(values: readonly number[], rank: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1))]!;
}
