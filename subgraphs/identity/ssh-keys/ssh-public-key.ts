import sshpk from 'sshpk';
import { badInput } from '../../../core/errors.js';

/**
 * A public key as people paste it: one line of an OpenSSH `.pub` file, `type base64 comment`.
 * Only key types that are strong today are accepted; every refusal says what to do instead, and
 * nothing pasted is ever echoed back (the text may be a private key, or worse).
 */
export interface SshPublicKey {
  /** The OpenSSH type name, e.g. `ssh-ed25519`. */
  type: string;
  bits: number;
  comment: string | null;
  /** As `ssh-keygen -lf` prints it: `SHA256:` and unpadded base64. */
  fingerprint: string;
  /** `type base64 comment`, single-spaced, base64 re-encoded from the key itself. */
  normalized: string;
}

const MIN_RSA_BITS = 3072;
const ACCEPTED_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];
/** A 16384-bit RSA key is under 3 kB; anything far longer is not one key. */
const MAX_LENGTH = 8192;

/** A word that may be a key type: safe to repeat in a message, unlike the rest of the paste. */
const KEY_TYPE_WORD = /^[a-z][a-z0-9-]*(@[a-z0-9.-]+)?$/;
/** A key type followed by the start of its base64 data (every key blob begins with AAAA). */
const KEY_START = /(?:^|\s)[a-z][a-z0-9-]*(?:@[a-z0-9.-]+)?\s+AAAA/g;

const refuse = (message: string) => badInput(message, 'key');

export function parseSshPublicKey(text: string): SshPublicKey {
  refuseWhatIsNotOnePublicKeyLine(text);
  const words = text.trim().split(/[ \t]+/);
  const [declaredType, base64, ...commentWords] = words as [string, string | undefined, ...string[]];
  if (!isKeyType(declaredType) && words.slice(1).some(isKeyType)) {
    throw refuse('Remove what comes before the key type: Hostgraph installs keys without authorized_keys options (from=, command=, …). Paste the line from the key type on, e.g. "ssh-ed25519 AAAA… comment".');
  }
  if (!KEY_TYPE_WORD.test(declaredType) || declaredType.length > 64 || base64 === undefined) throw refuse(NOT_A_KEY);
  refuseType(declaredType);

  const blob = strictBase64(base64);
  if (!blob) throw refuse(`The key data after "${declaredType}" is not valid base64; the key may have been cut or altered while copying. Paste the whole line again.`);
  const blobType = typeInside(blob);
  if (blobType !== declaredType) {
    const inside = blobType && KEY_TYPE_WORD.test(blobType) ? `a ${blobType} key` : 'not a key of that type';
    throw refuse(`The line says "${declaredType}" but its data is ${inside}; the key may have been altered. Paste the line exactly as in the .pub file.`);
  }

  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(blob, 'rfc4253');
  } catch {
    throw refuse(`The ${declaredType} key data is incomplete or damaged; paste the whole line of the .pub file again.`);
  }
  if (key.type === 'rsa' && key.size < MIN_RSA_BITS) {
    throw refuse(`RSA keys must have at least ${MIN_RSA_BITS} bits; this one has ${key.size}. Make a new key with "ssh-keygen -t ed25519" (or "ssh-keygen -t rsa -b 4096").`);
  }

  const comment = commentWords.join(' ') || null;
  if (comment && /[\x00-\x1f\x7f]/.test(comment)) throw refuse('The key comment contains control characters; use plain text, such as you@your-laptop.');
  const normalizedBase64 = blob.toString('base64');
  return {
    type: declaredType,
    bits: key.size,
    comment,
    fingerprint: key.fingerprint('sha256').toString(),
    normalized: comment ? `${declaredType} ${normalizedBase64} ${comment}` : `${declaredType} ${normalizedBase64}`,
  };
}

const NOT_A_KEY = 'This is not an SSH public key. Paste one line like "ssh-ed25519 AAAA… you@laptop": the contents of your .pub file (e.g. ~/.ssh/id_ed25519.pub).';

function refuseWhatIsNotOnePublicKeyLine(text: string) {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File-\d+:|Private-Lines:|^\s*Private-key-format:/im.test(text)) {
    throw refuse(
      'This is a PRIVATE key: it must stay secret on your computer and never be pasted anywhere. Paste the PUBLIC key instead: the .pub file next to it, or the output of "ssh-keygen -y -f <private key file>". If this private key was shared anywhere, replace it.',
    );
  }
  if (text.length > MAX_LENGTH) throw refuse(`This text is too long to be one SSH public key (${text.length} characters); paste a single key.`);
  if (/-----BEGIN [A-Z0-9 ]*PUBLIC KEY-----|---- BEGIN SSH2 PUBLIC KEY ----/.test(text)) {
    throw refuse('Paste the key in OpenSSH one-line format ("ssh-ed25519 AAAA… comment"); "ssh-keygen -i -m PKCS8 -f key.pem" or "ssh-keygen -i -f key.pub" converts this PEM or SSH2 file.');
  }
  const keys = text.match(KEY_START)?.length ?? 0;
  if (keys > 1) throw refuse(`Paste one key at a time; this text holds ${keys} keys.`);
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length > 1 && keys === 1) throw refuse(`A public key fits on one line; this one is split over ${lines.length} lines. Paste it again as a single line.`);
  if (lines.length !== 1) throw refuse(NOT_A_KEY);
}

function refuseType(type: string) {
  if (ACCEPTED_TYPES.includes(type)) return;
  if (type === 'ssh-dss') {
    throw refuse('DSA keys are no longer accepted: they are limited to 1024 bits and OpenSSH has dropped them. Make a new key with "ssh-keygen -t ed25519".');
  }
  if (type.endsWith('-cert-v01@openssh.com')) throw refuse('This is an SSH certificate; paste the public key itself (the .pub file without -cert).');
  if (type.startsWith('sk-')) throw refuse(`Security-key (FIDO) keys such as ${type} are not accepted; make an ed25519 key with "ssh-keygen -t ed25519".`);
  // Only a word shaped like a key type is named: the first word of a pasted passphrase is not.
  if (!isKeyType(type)) throw refuse(NOT_A_KEY);
  throw refuse(`Unsupported key type "${type}"; accepted: ed25519, ECDSA (nistp256/384/521) and RSA of at least ${MIN_RSA_BITS} bits.`);
}

const isKeyType = (word: string) => ACCEPTED_TYPES.includes(word) || word === 'ssh-dss' || /^(sk-|ssh-|ecdsa-)[a-z0-9-]+(@openssh\.com)?$/.test(word);

/** The bytes, only when the text is canonical base64 (no stray characters silently skipped). */
function strictBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** The type name a key blob begins with (RFC 4253 §6.6: a length-prefixed string). */
function typeInside(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length > 64 || 4 + length > blob.length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}
