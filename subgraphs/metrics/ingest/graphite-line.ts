/** One point as the Graphite plaintext protocol carries it: `<path> <value> <timestamp>\n`. */
export interface GraphitePoint {
  host: string;
  name: string;
  value: number;
  /** Epoch milliseconds. */
  at: number;
}

const MAX_NAME = 255;
/** What carbon accepts in a path component, less whitespace; collectd escapes the rest as `_`. */
const PATH = /^[\w\-:;=~@#%+,|()[\]{}<>!$^&*?/'"]+(\.[\w\-:;=~@#%+,|()[\]{}<>!$^&*?/'"]+)*$/;

/**
 * Parses a line, or says why not. The path is `[prefix.]host.metric…`: `prefixDepth` components
 * are skipped, the next is the sender's host (collectd writes its host name with dots as `_`), the
 * rest names the metric. A timestamp of -1 means "now", as in carbon.
 */
export function parseGraphiteLine(line: string, prefixDepth: number, now: () => number = Date.now): GraphitePoint | string {
  const fields = line.trim().split(/\s+/);
  if (fields.length !== 3) return 'expected "<path> <value> <timestamp>"';
  const [path, valueText, timeText] = fields as [string, string, string];
  if (!PATH.test(path)) return 'the path has an empty or invalid component';
  const value = Number(valueText);
  if (valueText === '' || !Number.isFinite(value)) return 'the value is not a finite number';
  const seconds = Number(timeText);
  if (!Number.isFinite(seconds) || (seconds < 0 && seconds !== -1)) return 'the timestamp is not epoch seconds';
  const components = path.split('.');
  if (components.length < prefixDepth + 2) return 'the path names no host and metric';
  const host = components[prefixDepth]!;
  const name = components.slice(prefixDepth + 1).join('.');
  if (name.length > MAX_NAME) return `the metric name is longer than ${MAX_NAME} characters`;
  return { host, name, value, at: seconds === -1 ? now() : Math.round(seconds * 1000) };
}
