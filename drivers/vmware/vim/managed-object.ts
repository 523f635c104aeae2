/** A vSphere managed object reference (MoRef): the object's type and its id on that server, e.g. `VirtualMachine` `vm-42`. */
export interface MoRef {
  type: string;
  value: string;
}

export function moRef(type: string, value: string): MoRef {
  return { type, value };
}

export function sameMoRef(a: MoRef, b: MoRef): boolean {
  return a.type === b.type && a.value === b.value;
}
