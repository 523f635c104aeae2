/** The rollup resolutions, in seconds: every raw point is rolled into a minute, every minute into an hour. */
export const MINUTE = 60;
export const HOUR = 3600;

/** How late a point may arrive and still be counted in its rollup: buckets this recent are recomputed. */
export const LATENESS_MS: Record<number, number> = { [MINUTE]: 10 * 60_000, [HOUR]: 2 * 3_600_000 };
