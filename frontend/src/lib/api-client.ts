import type * as z from "zod/mini";
import { ApiErrorSchema, CSRF_HEADER } from "../../../contract/api.ts";

/** Any failed call to the companion: HTTP errors, network failures, unexpected responses. */
export class ApiRequestError extends Error {
  override readonly name = "ApiRequestError";
  /** The HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly loginUrl: string | undefined;
  readonly retryAfter: number | undefined;
  /** The error's JSON body, for callers whose errors carry more than a message (409, 422). */
  readonly body: unknown;
  constructor(
    status: number,
    message: string,
    loginUrl?: string,
    retryAfter?: number,
    body?: unknown,
  ) {
    super(message);
    this.status = status;
    this.loginUrl = loginUrl;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

export interface ApiRequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  /** Required by the companion on every write; it comes from `GET api/me`. */
  csrfToken?: string;
  signal?: AbortSignal;
}

/** Calls `{serviceUrl}{path}` and parses the answer with `schema`, so nothing unvalidated escapes. */
export async function apiRequest<S extends z.ZodMiniType>(
  serviceUrl: string,
  path: string,
  schema: S,
  options: ApiRequestOptions = {},
): Promise<z.infer<S>> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") {
    if (options.csrfToken) headers[CSRF_HEADER] = options.csrfToken;
    if (options.body !== undefined) headers["content-type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(serviceUrl + path, {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    throw new ApiRequestError(0, `The Launchpad service is unreachable (${String(error)}).`);
  }
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = ApiErrorSchema.safeParse(payload);
    if (parsed.success) {
      const { message, login_url, retry_after } = parsed.data;
      throw new ApiRequestError(response.status, message, login_url, retry_after, payload);
    }
    throw new ApiRequestError(
      response.status,
      `The Launchpad service answered HTTP ${response.status}.`,
    );
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new ApiRequestError(
      response.status,
      "The Launchpad service sent a response this page does not understand.",
    );
  }
  return parsed.data;
}
