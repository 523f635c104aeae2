import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, graphql, sse, ws, type GraphQLResponse } from '../support/graphql-client.js';
import { TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createRunningSite, sendLines, startMetricsInstance } from './metrics-fixture.js';

const UPDATES = `subscription ($siteId: ID!, $names: [String!]) {
  metricUpdates(siteId: $siteId, names: $names) { site { id name } samples { name value at vm { id name } } }
}`;

describe('metricUpdates through the gateway', () => {
  let instance: Instance;
  let site: Awaited<ReturnType<typeof createRunningSite>>;

  beforeAll(async () => {
    instance = await startMetricsInstance();
    site = await createRunningSite(instance.url, 'live');
  });
  afterAll(async () => {
    await instance?.close();
  });

  /** Sends points every 100 ms until the subscription yields one, so no guess about when it is live. */
  async function firstUpdate(stream: AsyncGenerator<GraphQLResponse>) {
    let value = 0;
    const sender = setInterval(() => {
      value++;
      const at = (Date.now() / 1000).toFixed(3);
      void sendLines(instance.config.metrics.graphite.port, [`${site.hostName}.live.ignored ${value} ${at}`, `${site.hostName}.live.wanted ${value} ${at}`]);
    }, 100);
    try {
      const { value: first } = await stream.next();
      return first as GraphQLResponse;
    } finally {
      clearInterval(sender);
      await stream.return(undefined);
    }
  }

  it.each([
    ['SSE', sse],
    ['graphql-ws', ws],
  ])('streams the points of the metrics asked for, with the site and VM resolved, over %s', async (_transport, subscribe) => {
    const update = await firstUpdate(subscribe(instance.url, UPDATES, { siteId: site.siteId, names: ['live.wanted'] }, TOKENS.alice));
    expect(update.errors).toBeUndefined();
    const { metricUpdates } = update.data;
    expect(metricUpdates.site).toEqual({ id: site.siteId, name: 'live' });
    expect(metricUpdates.samples.length).toBeGreaterThan(0);
    for (const sample of metricUpdates.samples) {
      expect(sample).toMatchObject({ name: 'live.wanted', vm: { id: site.vmId, name: site.hostName } });
      expect(sample.value).toBeGreaterThan(0);
    }
  });

  it('refuses to stream a site to someone who may not see it', async () => {
    const refused = await sse(instance.url, UPDATES, { siteId: site.siteId }, TOKENS.bob).next();
    expect(errorCodes(refused.value as GraphQLResponse)).toEqual(['FORBIDDEN']);
    const anonymous = await graphql(instance.url, 'query ($siteId: ID!) { metricNames(siteId: $siteId) }', { siteId: site.siteId });
    expect(errorCodes(anonymous.body)).toEqual(['UNAUTHENTICATED']);
  });
});
