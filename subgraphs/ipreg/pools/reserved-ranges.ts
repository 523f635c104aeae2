import { badInput } from '../../../core/errors.js';
import { offsetIn, type Prefix, usableRange } from './prefix.js';

/** Addresses a pool must not hand out, inclusive, as written by an admin. */
export interface AddressRange {
  from: string;
  to: string;
}

/** The same range as offsets in its pool. */
export interface OffsetRange {
  from: bigint;
  to: bigint;
}

/** Checks that every range lies in the prefix and runs forwards; the gateway is reserved too. */
export function reservedOffsets(prefix: Prefix, ranges: AddressRange[], gateway: string | null): OffsetRange[] {
  const offsets = ranges.map((range, index) => {
    const from = offsetIn(prefix, range.from);
    const to = offsetIn(prefix, range.to);
    if (from === null || to === null) throw badInput(`reserved range ${range.from}–${range.to} is not inside ${prefix.text}`, `reserved.${index}`);
    if (from > to) throw badInput(`reserved range ${range.from}–${range.to} ends before it starts`, `reserved.${index}`);
    return { from, to };
  });
  if (gateway !== null) {
    const at = offsetIn(prefix, gateway);
    const { first, last } = usableRange(prefix);
    if (at === null || at < first || at > last) throw badInput(`gateway ${gateway} is not a usable address of ${prefix.text}`, 'gateway');
    offsets.push({ from: at, to: at });
  }
  return offsets.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

/** The first offset at or after `offset` that no range reserves: arithmetic, however large the ranges. */
export function skipReserved(offset: bigint, ranges: OffsetRange[]): bigint {
  let next = offset;
  for (const range of ranges) if (next >= range.from && next <= range.to) next = range.to + 1n;
  return next;
}

export const isReserved = (offset: bigint, ranges: OffsetRange[]) => ranges.some((range) => offset >= range.from && offset <= range.to);
