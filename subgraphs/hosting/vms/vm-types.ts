import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { VM_ROLES, type VmRole } from './vm-entity.js';

const VmRoleEnum = Object.fromEntries(VM_ROLES.map((role) => [role, role])) as Record<VmRole, VmRole>;
registerEnumType(VmRoleEnum, {
  name: 'VmRole',
  valuesConfig: {
    PRODUCTION: { description: "Serves the site's service name." },
    TEST: { description: 'A test copy of production, with a name of its own.' },
  },
});

@ObjectType({ description: "One of a site's virtual machines." })
@Directive('@key(fields: "id")')
export class Vm {
  @Field(() => ID)
  id!: string;

  @Field(() => VmRoleEnum)
  role!: VmRole;

  @Field(() => String, { description: 'Its name on the hypervisor.' })
  name!: string;

  @Field(() => String, { nullable: true, description: "The hypervisor's reference, once the VM exists there." })
  ref!: string | null;

  /** For the `site` field; not in the schema. */
  siteId!: string;

  @Field(() => Date)
  createdAt!: Date;
}

export { VmRoleEnum };
