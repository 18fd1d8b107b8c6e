/**
 * The tests' client for the Billhook HTTP API, as a black-box user would call
 * it: BillhookClient (lib/client) with every answer checked against its route
 * definition, so a route that answers something undocumented fails the test.
 * `text` is the answer as sent, for checks that must not go through JSON.parse.
 */
import { BillhookClient } from '../../lib/client/index.ts';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export function apiClient(baseUrl: string, key: string) {
  const client = new BillhookClient({ baseUrl, key, validate: true });
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const res = await client.request(method, path, { ...(typeof body === 'string' ? { rawBody: body } : body === undefined ? {} : { body }), headers });
    return { status: res.status, headers: res.headers, body: (res.body ?? (res.text || undefined)) as T, text: res.text };
  };
  return {
    client,
    get: <T = any>(path: string) => call<T>('GET', path),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body ?? {}, headers),
    patch: <T = any>(path: string, body: unknown) => call<T>('PATCH', path, body),
    delete: <T = any>(path: string) => call<T>('DELETE', path),
    call,
  };
}
