/**
 * Where people and groups come from: the organisation's directory. Hostgraph never writes to it;
 * the identity subgraph copies it on a schedule so the API keeps answering while it is down.
 */

export interface DirectoryUser {
  username: string;
  displayName: string;
  mail: string | null;
  uidNumber: number | null;
  gidNumber: number | null;
}

export interface DirectoryGroup {
  /** Stable id: the group's cn (LDAP) or key (static file). */
  id: string;
  name: string;
  description: string | null;
  /** Usernames of direct members. */
  members: string[];
  /** Ids of groups that are direct members of this one (nested groups); may form cycles. */
  memberGroups: string[];
}

/** Everything the directory holds at one moment. */
export interface DirectorySnapshot {
  users: DirectoryUser[];
  groups: DirectoryGroup[];
}

export interface Directory {
  readonly kind: string;
  /** The whole directory; throws DirectoryUnavailable when it cannot be reached. */
  snapshot(): Promise<DirectorySnapshot>;
  close(): Promise<void>;
}

/** The directory could not be read (server down, bind refused); what was copied last stays in use. */
export class DirectoryUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailable';
  }
}
