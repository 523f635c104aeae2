import { randomInt } from 'node:crypto';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { Fatal } from '../../plugin-errors.js';
import type { DnsPublisher } from '../dns-publisher.js';
import { type DnsRecord, normalizeName, normalizeRecordType, type RecordType } from '../dns-record.js';
import { ManagedZones } from '../managed-zones.js';
import type { RecordChange } from '../record-change.js';
import { answerError } from './answer-errors.js';
import { recordFromAnswer } from './dns-wire.js';
import { exchangeOverTcp } from './tcp-exchange.js';
import { signRequest, type TsigKey, verifyResponse } from './tsig.js';
import { encodeQuery, encodeUpdate } from './update-message.js';

export interface Rfc2136Options {
  /** The zones' primary server. */
  host: string;
  port: number;
  key: TsigKey;
  zones: string[];
  timeoutMs: number;
}

/**
 * Publishes by RFC 2136 dynamic UPDATE, one TSIG-signed message per zone, to the zones' primary
 * (BIND, Knot, PowerDNS). The server applies each message atomically and keeps the zone signed.
 */
export class Rfc2136Publisher implements DnsPublisher {
  readonly kind = 'rfc2136';
  private readonly zones: ManagedZones;
  private readonly peer: string;

  constructor(private readonly options: Rfc2136Options) {
    this.zones = new ManagedZones(options.zones);
    this.peer = `${options.host}:${options.port}`;
  }

  async apply(changes: RecordChange[]): Promise<void> {
    for (const [zone, zoneChanges] of this.zones.group(changes)) {
      await this.exchange(encodeUpdate(randomInt(0x10000), zone, zoneChanges), `the update of zone ${zone}`);
    }
  }

  async lookup(name: string, type: RecordType): Promise<DnsRecord[]> {
    const owner = normalizeName(name, { wildcard: true });
    normalizeRecordType(type);
    this.zones.zoneOf(owner);
    const answer = await this.exchange(encodeQuery(randomInt(0x10000), owner, type), `the query for ${type} ${owner}`, { nxdomainIsAnswer: true });
    return (answer.answers ?? [])
      .filter((record) => record.type === type && record.name.toLowerCase() === owner)
      .map(recordFromAnswer)
      .filter((record): record is DnsRecord => record !== null);
  }

  async close(): Promise<void> {
    // One connection per exchange: nothing stays open.
  }

  /** Signs `message`, sends it, checks the answer's signature and turns a refusal into an error. */
  private async exchange(message: Buffer, request: string, { nxdomainIsAnswer = false } = {}): Promise<DecodedPacket & { rcode: string }> {
    const signed = signRequest(message, this.options.key);
    const response = await exchangeOverTcp(this.options, signed.message);
    let answer: DecodedPacket & { rcode: string };
    try {
      answer = dnsPacket.decode(response) as DecodedPacket & { rcode: string };
    } catch (error) {
      throw new Fatal(`the answer from ${this.peer} to ${request} cannot be decoded: ${(error as Error).message}`, { cause: error });
    }
    if (answer.id !== message.readUInt16BE(0)) throw new Fatal(`${this.peer} answered another message than ${request}`);
    const context = { peer: this.peer, keyName: this.options.key.name, request };
    let tsigError: number;
    try {
      tsigError = verifyResponse(response, signed, this.options.key, this.peer);
    } catch (error) {
      // An unverifiable refusal is still a refusal: report what the server said.
      throw answerError(answer.rcode, 0, context) ?? error;
    }
    const rcode = nxdomainIsAnswer && answer.rcode === 'NXDOMAIN' ? 'NOERROR' : answer.rcode;
    const refusal = answerError(rcode, tsigError, context);
    if (refusal) throw refusal;
    return answer;
  }
}
