import { child, childText, children, xsiType } from './xml-reader.js';

/** A fault vSphere reported, by its vim25 type name (`InvalidPowerState`, `ManagedObjectNotFound`, …). */
export class VimFault extends Error {
  constructor(
    readonly faultName: string,
    message: string,
  ) {
    super(message);
    this.name = 'VimFault';
  }
}

/** The server could not be reached, the connection broke, or it took too long: worth trying again later. */
export class VimUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VimUnavailableError';
  }
}

/** The server answered, but not as a vSphere SOAP endpoint does (wrong URL, a proxy's error page). */
export class VimProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VimProtocolError';
  }
}

export function isFault(error: unknown, faultName: string): error is VimFault {
  return error instanceof VimFault && error.faultName === faultName;
}

/**
 * A SOAP fault: `<faultstring>` is the message, `<detail>` holds one `<XxxFault xsi:type="Xxx">` element
 * with the fault's type and fields.
 */
export function readSoapFault(fault: Element): VimFault {
  const detail = children(child(fault, 'detail') ?? fault)[0];
  const faultName = detail ? (xsiType(detail) ?? detail.localName.replace(/Fault$/, '')) : 'SystemError';
  return new VimFault(faultName, describe(faultName, childText(fault, 'faultstring'), detail));
}

/** A task's `info.error` or a property's missing fault: a `LocalizedMethodFault`. */
export function readLocalizedFault(localized: Element): VimFault {
  const fault = child(localized, 'fault');
  const faultName = (fault && xsiType(fault)) ?? 'SystemError';
  return new VimFault(faultName, describe(faultName, childText(localized, 'localizedMessage'), fault));
}

/** vcsim often sends no message; the fault's own simple fields (`existingState=poweredOn`) still say what happened. */
function describe(faultName: string, message: string | undefined, fault: Element | undefined): string {
  const fields = fault
    ? children(fault)
        .filter((field) => children(field).length === 0 && (field.textContent ?? '') !== '')
        .map((field) => `${field.localName}=${field.textContent}`)
    : [];
  const text = message?.trim() || faultName;
  return fields.length > 0 ? `${text} (${fields.join(', ')})` : text;
}
