import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { SNAPSHOT_KINDS, SNAPSHOT_STATES, type SnapshotKind, type SnapshotState } from './snapshot-entity.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const SnapshotKindEnum = enumOf(SNAPSHOT_KINDS);
registerEnumType(SnapshotKindEnum, {
  name: 'SnapshotKind',
  valuesConfig: {
    MANUAL: { description: "Taken on request; counts against the site owner's snapshot quota until deleted." },
    NIGHTLY: { description: 'Taken every night by the platform and deleted after the retention period.' },
  },
});

export const SnapshotStateEnum = enumOf(SNAPSHOT_STATES);
registerEnumType(SnapshotStateEnum, {
  name: 'SnapshotState',
  valuesConfig: {
    CREATING: { description: 'Its task has not taken it yet.' },
    READY: { description: 'On the hypervisor: it can be restored or deleted.' },
    DELETING: { description: 'A deleteSnapshot task is removing it.' },
  },
});

@ObjectType({ description: "A snapshot of one of a site's VMs: its disks and power state at one moment." })
export class Snapshot {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Unique within the site; also its name on the hypervisor.' })
  name!: string;

  @Field(() => SnapshotKindEnum)
  kind!: SnapshotKind;

  @Field(() => SnapshotStateEnum)
  state!: SnapshotState;

  @Field(() => Date, { description: 'When it was taken (asked for, while CREATING).' })
  createdAt!: Date;

  @Field(() => String, { description: 'Who asked for it; the scheduler for nightly ones.' })
  takenBy!: string;

  /** For the `vm` field; not in the schema. */
  siteId!: string;
  vmId!: string;
}
