/**
 * What a failed connection means for the user and for retrying. Node and undici report
 * failures as error codes (`ECONNREFUSED`, `UND_ERR_SOCKET`, OpenSSL's `ERR_SSL_*`,
 * X.509 verification codes), sometimes nested in `cause` or in an AggregateError when
 * several addresses were tried; this file turns them into a short reason for one line
 * ("registry 127.0.0.1:1234 is not reachable: connection refused") and says whether a
 * retry can help. A refused connection, an unknown host or a bad certificate will not
 * change in a second, so they fail at once; resets and timeouts are retried.
 */

export interface NetworkFailure {
  /** A few lower-case words for the message. */
  reason: string;
  /** True when retrying the request may succeed. */
  transient: boolean;
  /** True for TLS handshake and certificate failures. */
  tls: boolean;
  code: string;
}

const REASONS: Record<string, { reason: string; transient: boolean }> = {
  ECONNREFUSED: { reason: 'connection refused', transient: false },
  ENOTFOUND: { reason: 'no such host', transient: false },
  EAI_AGAIN: { reason: 'temporary failure in name resolution', transient: true },
  EHOSTUNREACH: { reason: 'no route to host', transient: false },
  ENETUNREACH: { reason: 'network is unreachable', transient: false },
  ECONNRESET: { reason: 'connection reset by peer', transient: true },
  ECONNABORTED: { reason: 'connection aborted', transient: true },
  EPIPE: { reason: 'broken pipe', transient: true },
  ETIMEDOUT: { reason: 'connection timed out', transient: true },
  UND_ERR_CONNECT_TIMEOUT: { reason: 'connection timed out', transient: true },
  UND_ERR_HEADERS_TIMEOUT: { reason: 'timed out waiting for response headers', transient: true },
  UND_ERR_BODY_TIMEOUT: { reason: 'timed out waiting for response data', transient: true },
  UND_ERR_SOCKET: { reason: 'connection closed by the server', transient: true },
  UND_ERR_CLOSED: { reason: 'connection closed', transient: true },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { reason: 'response shorter than its Content-Length', transient: true },
};

/** X.509 verification codes Node puts on TLS errors (openssl x509_vfy.h names). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The failure behind `err`, or undefined if it is not a network failure (an abort, a bug). */
export function classifyNetworkError(err: unknown): NetworkFailure | undefined {
  for (const candidate of errorChain(err)) {
    const code = (candidate as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') continue;
    const known = REASONS[code];
    if (known) return { ...known, tls: false, code };
    if (isTlsCode(code)) {
      return { reason: `TLS handshake failed: ${shortTlsMessage(candidate.message)}`, transient: false, tls: true, code };
    }
  }
  return undefined;
}

/** True when the server answered a TLS hello with plain HTTP: it is an http registry. */
export function isPlainHttpResponse(failure: NetworkFailure): boolean {
  return failure.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || failure.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG';
}

/** OpenSSL's `C0B7…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number` → the last words. */
function shortTlsMessage(message: string): string {
  const openssl = /SSL routines:[^:]*:([^\n]*)/.exec(message);
  return (openssl?.[1] ?? message).trim();
}

function isTlsCode(code: string): boolean {
  return CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || code === 'EPROTO' || code.startsWith('ERR_TLS_');
}

/** `err`, its causes, and the members of AggregateErrors (happy-eyeballs connects). */
function errorChain(err: unknown, depth = 0): Error[] {
  if (!(err instanceof Error) || depth > 5) return [];
  const chain: Error[] = [err];
  if (err instanceof AggregateError) {
    for (const inner of err.errors) chain.push(...errorChain(inner, depth + 1));
  }
  chain.push(...errorChain(err.cause, depth + 1));
  return chain;
}
