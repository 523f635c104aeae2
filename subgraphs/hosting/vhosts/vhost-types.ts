import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { CERTIFICATE_SOURCES, VHOST_STATES, type CertificateSource, type VhostState } from './vhost-entity.js';

const VhostStateEnum = Object.fromEntries(VHOST_STATES.map((state) => [state, state])) as Record<VhostState, VhostState>;
registerEnumType(VhostStateEnum, {
  name: 'VhostState',
  valuesConfig: {
    ACTIVE: { description: 'Configured on the VM, or will be by the next configuration run.' },
    REMOVING: { description: 'Removed; gone once a configuration run has taken it off the VM.' },
  },
});

const CertificateSourceEnum = Object.fromEntries(CERTIFICATE_SOURCES.map((source) => [source, source])) as Record<CertificateSource, CertificateSource>;
registerEnumType(CertificateSourceEnum, {
  name: 'CertificateSource',
  valuesConfig: {
    ISSUED: { description: 'Requested from Hostgraph’s issuer (internal CA or ACME); renewed before it expires.' },
    UPLOADED: { description: 'Uploaded by the site; renewing it is the site’s to do.' },
  },
});

@ObjectType({ description: 'The TLS certificate a vhost serves; its private key never leaves Hostgraph except to the VM.' })
export class VhostCertificate {
  @Field(() => CertificateSourceEnum)
  source!: CertificateSource;

  @Field(() => Date)
  notAfter!: Date;

  @Field(() => Date, { nullable: true, description: 'When the renewal job renews it (issued certificates only).' })
  renewAfter!: Date | null;

  @Field(() => Boolean, {
    description:
      'Whether it covers every name of the vhost. After setVhostNames an issued certificate is requested anew for the new names; an uploaded one (or one the issuer cannot issue for them) keeps serving the names it covers until you upload one that covers them all.',
  })
  coversNames!: boolean;
}

@ObjectType({ description: 'A virtual host of the site’s web server: its main name, aliases and document root.' })
export class Vhost {
  @Field(() => ID)
  id!: string;

  /** For the resolvers; not in the schema. */
  siteId!: string;

  @Field(() => String, { description: 'Names its files on the VM; `default` is the vhost on the site’s service name.' })
  name!: string;

  @Field(() => String, { description: 'The main name (ServerName): the site’s service name for the default vhost, else one of the site’s ACTIVE domain names (or a VM host name).' })
  serverName!: string;

  @Field(() => [String], { description: 'Further names it answers on (ServerAlias), of the same kinds. A name removed in the IP registry (removeDomainName) leaves the vhost by itself; the first alias then becomes the main name, and a vhost left with no name is removed.' })
  aliases!: string[];

  @Field(() => String, { description: 'Where its files go on the VM.' })
  documentRoot!: string;

  @Field(() => VhostStateEnum)
  state!: VhostState;

  @Field(() => VhostCertificate, { nullable: true, description: 'Null until a certificate is requested or uploaded: served over plain HTTP.' })
  certificate!: VhostCertificate | null;
}

@InputType({
  description:
    'A vhost’s names. Each must be an ACTIVE domain name of the site in the IP registry (requestDomainName, then verifyDomainName or an admin’s approval), or one of its VMs’ host names: a name not asked for, or still EXTERNAL or AWAITING_APPROVAL, is refused with DOMAIN_NAME_NOT_ACTIVE (`extensions.domainNames` says what each lacks); the site’s service name (the default vhost’s), another site’s names and another vhost’s are CONFLICT; malformed names, wildcards and a name given twice are BAD_USER_INPUT.',
})
export class VhostNamesInput {
  @Field(() => String, { description: 'The main name (ServerName).' })
  serverName!: string;

  @Field(() => [String], { nullable: true, description: 'At most 50 further names (ServerAlias).' })
  aliases?: string[];
}

@InputType({ description: 'A new vhost’s names; see VhostNamesInput for which names a vhost may have.' })
export class AddVhostInput extends VhostNamesInput {}

@InputType()
export class UploadCertificateInput {
  @Field(() => String, { description: 'The leaf certificate, PEM; intermediates may follow it.' })
  certificate!: string;

  @Field(() => String, { description: 'Its private key, PEM (PKCS #8, PKCS #1 or SEC 1), unencrypted.' })
  privateKey!: string;

  @Field(() => String, { nullable: true, description: 'Intermediate certificates, PEM.' })
  chain?: string;
}

export { CertificateSourceEnum, VhostStateEnum };
