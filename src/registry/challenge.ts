/**
 * `WWW-Authenticate` challenges (RFC 7235 section 4.1) as registries send them on 401:
 *
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
 *   Basic realm="Registry Realm"
 *
 * The distribution spec's token flow (docker/distribution docs/spec/auth/token.md) reads
 * realm, service and scope from a Bearer challenge; Basic needs only the scheme. A header may
 * carry several challenges separated by commas, so parsing walks the grammar rather than
 * splitting on commas (which also appear inside quoted scopes such as "pull,push").
 */

export interface AuthChallenge {
  /** Lower case: `bearer`, `basic`, or whatever else the server offered. */
  scheme: string;
  /** Parameter names in lower case, values unquoted. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/** Every challenge in one or more `WWW-Authenticate` header values, in order. */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const values = typeof header === 'string' ? [header] : header;
  return values.flatMap((value) => new ChallengeParser(value).parse());
}

/** The challenge tpod answers: Bearer when offered (it carries scopes), else Basic. */
export function preferredChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

class ChallengeParser {
  private pos = 0;

  constructor(private readonly input: string) {}

  parse(): AuthChallenge[] {
    const challenges: AuthChallenge[] = [];
    for (;;) {
      this.skip(/[\s,=]/);
      const scheme = this.token();
      if (scheme === '') break;
      challenges.push({ scheme: scheme.toLowerCase(), params: this.params() });
    }
    return challenges;
  }

  /**
   * `name=value` pairs, comma separated, until the next challenge's scheme or the end. A
   * bare token right after the scheme is a token68 (`Negotiate YII…`), which tpod skips; a
   * bare token after a comma is the next challenge's scheme.
   */
  private params(): Record<string, string> {
    const params: Record<string, string> = {};
    for (let first = true; ; first = false) {
      const sawComma = this.skipSeparators();
      if (!first && !sawComma) return params;
      const start = this.pos;
      const name = this.token();
      this.skip(/\s/);
      if (name === '') return params;
      if (this.input[this.pos] !== '=') {
        if (first && !sawComma) this.skip(/[^,]/);
        else this.pos = start;
        return params;
      }
      this.pos++;
      this.skip(/\s/);
      params[name.toLowerCase()] = this.input[this.pos] === '"' ? this.quoted() : this.token();
    }
  }

  /** Skips whitespace and commas; true if at least one comma was among them. */
  private skipSeparators(): boolean {
    const start = this.pos;
    this.skip(/[\s,]/);
    return this.input.slice(start, this.pos).includes(',');
  }

  private token(): string {
    const start = this.pos;
    while (this.pos < this.input.length && TOKEN_CHAR.test(this.input[this.pos]!)) this.pos++;
    return this.input.slice(start, this.pos);
  }

  /** quoted-string with backslash escapes (RFC 7230 section 3.2.6). */
  private quoted(): string {
    let value = '';
    this.pos++; // opening quote
    while (this.pos < this.input.length) {
      const c = this.input[this.pos++]!;
      if (c === '"') return value;
      value += c === '\\' && this.pos < this.input.length ? this.input[this.pos++]! : c;
    }
    return value;
  }

  private skip(chars: RegExp): void {
    while (this.pos < this.input.length && chars.test(this.input[this.pos]!)) this.pos++;
  }
}
