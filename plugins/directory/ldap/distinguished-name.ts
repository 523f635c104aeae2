/**
 * A comparison key for LDAP distinguished names (RFC 4514). A group's `member` value and the DN
 * the server reports for the same person often differ in spelling: `uid=Alice, ou=People,...`
 * against `uid=alice,ou=people,...`, or `\2C` against `\,`. The key lowercases attribute types and
 * values (the naming attributes in use, cn, uid, ou, dc, o, are case-insensitive), decodes escapes,
 * drops insignificant spaces and orders the parts of a multi-valued RDN. It is not a DN to send.
 */
export function distinguishedNameKey(dn: string): string {
  return splitUnescaped(dn, ',;')
    .filter((rdn) => rdn.trim() !== '')
    .map((rdn) =>
      splitUnescaped(rdn, '+')
        .map(attributeValueKey)
        .sort()
        .join('+'),
    )
    .join(',');
}

function attributeValueKey(ava: string): string {
  const equals = ava.indexOf('=');
  if (equals < 0) return encodeURIComponent(ava.trim().toLowerCase());
  const type = ava.slice(0, equals).trim().toLowerCase();
  return `${type}=${encodeURIComponent(unescapeValue(ava.slice(equals + 1)).toLowerCase())}`;
}

/** Splits at separators not escaped with a backslash and not inside a quoted value. */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (!quoted && separators.includes(char)) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** The value's characters: `\,` and `\2C` both become `,`; spaces at the ends count only when escaped. */
function unescapeValue(raw: string): string {
  let text = raw.replace(/^ +/, '');
  // A trailing space is significant only when escaped ("\ ").
  while (text.endsWith(' ') && !text.endsWith('\\ ')) text = text.slice(0, -1);
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) text = text.slice(1, -1);
  const chars = Array.from(text); // code points, so characters outside the BMP stay whole
  const bytes: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    const hexPair = chars[i] === '\\' ? (chars[i + 1] ?? '') + (chars[i + 2] ?? '') : '';
    if (/^[0-9a-fA-F]{2}$/.test(hexPair)) {
      bytes.push(parseInt(hexPair, 16));
      i += 2;
    } else {
      if (chars[i] === '\\' && i + 1 < chars.length) i++;
      bytes.push(...Buffer.from(chars[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
