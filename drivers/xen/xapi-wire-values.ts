/**
 * How XAPI encodes values on the JSON-RPC wire (xapi-project docs, "Wire Protocol"): ints are JSON
 * numbers (some clients and versions send them as strings), datetimes are ISO 8601 strings in the
 * basic form `20250319T04:16:24Z`, an absent reference is `OpaqueRef:NULL`, and a task's `result`
 * is the XML-RPC encoding of the value even when the call was made over JSON-RPC.
 */

export const NULL_REF = 'OpaqueRef:NULL';

export function isNullRef(ref: string | undefined): boolean {
  return !ref || ref === NULL_REF;
}

export function xapiInt(value: number | string): number {
  return typeof value === 'number' ? value : Number.parseInt(value, 10);
}

export function parseXapiDate(value: string): Date {
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/.exec(value);
  if (basic) {
    const [year, month, day, hours, minutes, seconds] = basic.slice(1).map(Number);
    return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
  }
  return new Date(value);
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The string a successful task returned: `<value>OpaqueRef:…</value>` for a reference, `""` or
 * `<value></value>` for a call without result. Other XML-RPC values (structs, arrays) are not
 * results of the calls this driver makes and are refused rather than misread.
 */
export function decodeTaskResult(result: string): string {
  if (result === '') return '';
  const match = /^\s*<value>(?:<string>)?([^<]*)(?:<\/string>)?<\/value>\s*$/.exec(result);
  if (!match) throw new Error(`unexpected XAPI task result: ${result.slice(0, 200)}`);
  return match[1].replace(/&(amp|lt|gt|quot|apos);/g, (_entity, name: string) => XML_ENTITIES[name]);
}
