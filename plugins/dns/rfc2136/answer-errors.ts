import { Fatal, type PluginError, Transient } from '../../plugin-errors.js';
import { TSIG_ERROR_NAMES } from './tsig.js';

export interface AnswerContext {
  /** `host:port` of the server. */
  peer: string;
  keyName: string;
  /** What was asked, for the message: "the update of zone hosting.test". */
  request: string;
}

/**
 * The error an answer's RCODE (RFC 1035 §4.1.1, RFC 2136 §2.2) and TSIG error mean, or null when
 * the server did what was asked. NXDOMAIN is left to the caller: for a lookup it is an answer.
 */
export function answerError(rcode: string, tsigError: number, { peer, keyName, request }: AnswerContext): PluginError | null {
  if (tsigError !== 0) {
    const reason = TSIG_ERROR_NAMES[tsigError] ?? `TSIG error ${tsigError}`;
    const hint = reason === 'BADTIME' ? ': the clocks of this machine and the server differ by more than 5 minutes' : '';
    return new Fatal(`the TSIG key ${keyName} was refused by ${peer} (${rcode}, ${reason})${hint}`);
  }
  switch (rcode) {
    case 'NOERROR':
      return null;
    case 'SERVFAIL':
      return new Transient(`${peer} failed ${request} (SERVFAIL); it may succeed later`);
    case 'NOTAUTH':
      return new Fatal(`${peer} refused ${request} (NOTAUTH): it is not authoritative for that zone, or does not accept the TSIG key ${keyName}`);
    case 'REFUSED':
      return new Fatal(`${peer} refused ${request} (REFUSED): its policy does not let the TSIG key ${keyName} make this change`);
    case 'NOTZONE':
      return new Fatal(`${peer} refused ${request} (NOTZONE): a name in it is outside the zone`);
    default:
      return new Fatal(`${peer} refused ${request} (${rcode})`);
  }
}
