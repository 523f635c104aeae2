import type { UsageGrouping } from './usage-service.js';

export interface UsageCsvRecord {
  key: string;
  siteName: string | null;
  hour: string;
  state: string | null;
  vcpuHours: number;
  memoryGbHours: number;
  diskGbHours: number;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const field = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Usage as a spreadsheet takes it: one row per key and hour, CRLF line ends. */
export function usageCsv(records: UsageCsvRecord[], groupBy: UsageGrouping): string {
  const keyColumn = { SITE: 'site_id', GROUP: 'group', INSTITUTION: 'institution' }[groupBy];
  const header = [keyColumn, ...(groupBy === 'SITE' ? ['site_name', 'state'] : []), 'hour', 'vcpu_hours', 'memory_gb_hours', 'disk_gb_hours'];
  const rows = records.map((record) =>
    [record.key, ...(groupBy === 'SITE' ? [record.siteName, record.state] : []), record.hour, record.vcpuHours, record.memoryGbHours, record.diskGbHours].map(field).join(','),
  );
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}
