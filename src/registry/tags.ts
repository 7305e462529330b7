/**
 * Listing tags ("Listing Tags", end-8a/8b). Registries may paginate: the next page's URL
 * arrives in an RFC 8288 `Link: <…>; rel="next"` header, which is followed until absent.
 */
import { CorruptError, ResourceExhaustedError } from '../errors.js';
import { repositoryScope, tagsPath } from './paths.js';
import type { RegistrySession } from './session.js';
import { headerValue, readBodyUpTo } from './transport.js';

const TAG_PAGE_SIZE_LIMIT = 16 * 1024 * 1024;
const MAX_PAGES = 10_000;

export async function listTags(session: RegistrySession, repository: string, signal?: AbortSignal): Promise<string[]> {
  const subject = `tags of ${session.host}/${repository}`;
  const tags: string[] = [];
  let target: string | undefined = tagsPath(repository);
  for (let page = 0; target !== undefined && page < MAX_PAGES; page++) {
    const response = await session.send({ method: 'GET', target, scopes: [repositoryScope(repository, 'pull')], signal });
    await session.expectStatus(response, [200], subject);
    const body = await readBodyUpTo(response, TAG_PAGE_SIZE_LIMIT);
    if (body === undefined) throw new ResourceExhaustedError(`${subject}: a page is larger than 16 MiB`);
    tags.push(...parseTagList(body, subject));
    const next = nextLink(headerValue(response, 'link'));
    target = next === undefined ? undefined : new URL(next, response.url).href;
  }
  return tags;
}

/** `{"name":"library/busybox","tags":["latest"]}`; `tags` may be null for an empty repository. */
export function parseTagList(body: Uint8Array, subject: string): string[] {
  let value: { tags?: unknown };
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8')) as { tags?: unknown };
  } catch {
    throw new CorruptError(`${subject}: malformed tag list`);
  }
  if (value.tags === null || value.tags === undefined) return [];
  if (!Array.isArray(value.tags) || !value.tags.every((t) => typeof t === 'string')) {
    throw new CorruptError(`${subject}: malformed tag list`);
  }
  return value.tags;
}

/** The `rel="next"` target of a Link header, if any. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const link of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(link);
    if (match && /;\s*rel="?next"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
