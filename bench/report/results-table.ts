import { meetsTarget, type Measurement } from '../benchmark.js';

export interface TableRow {
  benchmark: string;
  measurement?: Measurement;
  /** Set when the benchmark crashed: there is nothing to measure. */
  error?: string;
}

const formatValue = ({ value, unit }: Measurement) => {
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 || unit === 'req/s' ? 0 : 1;
  return `${value.toFixed(digits)} ${unit}`;
};

const formatTarget = ({ target, unit }: Measurement) =>
  target ? `${target.kind === 'below' ? '<' : '≥'} ${target.bound} ${unit}` : '';

const formatStatus = (measurement: Measurement) => {
  const met = meetsTarget(measurement);
  return met === null ? '' : met ? 'met' : 'MISSED';
};

/** A plain-text table, columns padded to their widest cell, as it reads in a terminal and in a log. */
export function resultsTable(rows: TableRow[]): string {
  const header = ['benchmark', 'measurement', 'value', 'target', 'status'];
  const cells = rows.map((row) =>
    row.measurement
      ? [row.benchmark, row.measurement.label, formatValue(row.measurement), formatTarget(row.measurement), formatStatus(row.measurement)]
      : [row.benchmark, `CRASHED: ${row.error ?? 'unknown error'}`, '', '', ''],
  );
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
