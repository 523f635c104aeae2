import type { IncomingMessage, ServerResponse } from 'node:http';
import { HostgraphError } from '../core/errors.js';
import { refusal, sendJson } from '../core/graphql/http-refusal.js';
import type { SubgraphClient } from '../core/graphql/subgraph-client.js';
import type { Principal } from '../core/principal.js';
import { usageCsv, type UsageCsvRecord } from '../subgraphs/metrics/usage/usage-csv.js';
import { USAGE_GROUPINGS, type UsageGrouping } from '../subgraphs/metrics/usage/usage-service.js';

const USAGE = `query ($from: DateTimeISO!, $to: DateTimeISO!, $groupBy: UsageGrouping!) {
  usage(from: $from, to: $to, groupBy: $groupBy) { key siteName hour state vcpuHours memoryGbHours diskGbHours }
}`;

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, SERVICE_UNAVAILABLE: 503 };

/**
 * GET /usage.csv?from=…&to=…&groupBy=SITE|GROUP|INSTITUTION: the `usage` query as CSV, asked of the
 * metrics subgraph as the caller, so it is refused exactly as the query would be.
 */
export function usageCsvRoute(metrics: SubgraphClient) {
  return async (request: IncomingMessage, response: ServerResponse, principal: Principal | null) => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    const groupBy = (url.searchParams.get('groupBy') ?? 'SITE').toUpperCase() as UsageGrouping;
    if (!principal) return sendJson(response, 401, refusal('UNAUTHENTICATED', 'Sign in: send Authorization: Bearer <token>'));
    if (!from || !to || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) {
      return sendJson(response, 400, refusal('BAD_USER_INPUT', 'Give from and to as ISO 8601 times: /usage.csv?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z'));
    }
    if (!USAGE_GROUPINGS.includes(groupBy)) return sendJson(response, 400, refusal('BAD_USER_INPUT', `groupBy is one of ${USAGE_GROUPINGS.join(', ')}`));
    try {
      const variables = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy };
      const data = await metrics.call<{ usage: UsageCsvRecord[] }>(USAGE, variables, { as: principal });
      response.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="usage-${groupBy.toLowerCase()}.csv"`,
      });
      response.end(usageCsv(data.usage, groupBy));
    } catch (error) {
      if (!(error instanceof HostgraphError)) throw error;
      const code = String(error.extensions.code);
      sendJson(response, STATUS[code] ?? 500, refusal(code as never, error.message));
    }
  };
}
