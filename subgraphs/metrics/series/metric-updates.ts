/** What the writer publishes after each batch, one message per site: the points just stored. */
export interface MetricUpdate {
  siteId: string;
  points: { vmId: string; name: string; at: number; value: number }[];
}

export const metricUpdatesChannel = (siteId: string) => `metric-updates:${siteId}`;
