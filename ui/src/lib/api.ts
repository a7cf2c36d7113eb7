/** A coded API error as the server sends it. */
export interface ApiError {
  code: string;
  message: string;
  field?: string;
  details?: Record<string, unknown>;
  status: number;
}

/** Calls our JSON API from the browser, sending the CSRF token on state-changing requests. */
export async function api<T>(method: string, path: string, options: { body?: unknown; csrfToken?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.csrfToken && method !== 'GET') headers['x-csrf-token'] = options.csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  const payload = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw { status: response.status, ...(payload?.error ?? { code: 'HTTP_' + response.status, message: text }) } as ApiError;
  return payload as T;
}
