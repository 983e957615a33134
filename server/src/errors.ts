/**
 * One error shape for the whole companion: JupyterHub's `{status, message}` (APIHandler.write_error,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/base.py#L126-L171), parsed through the shared
 * ApiErrorSchema. 4xx messages are meant
 * for the user and pass through; 5xx are logged with the request and masked.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiErrorSchema, type ApiError } from "../../contract/api.ts";
import { escapeHtml } from "./html.ts";
import { redactUrl } from "./logging.ts";

export class HttpError extends Error {
  readonly statusCode: number;
  /** Extra fields of the error body, e.g. `login_url` on 401. */
  readonly extra: Partial<Pick<ApiError, "login_url" | "retry_after">>;
  constructor(statusCode: number, message: string, extra: HttpError["extra"] = {}) {
    super(message);
    this.name = "HttpError";
    this.statusCode = statusCode;
    this.extra = extra;
  }
}

/** The hub (or another upstream) failed: answered as 502 and logged with the cause. */
export class UpstreamError extends Error {
  readonly statusCode = 502;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UpstreamError";
  }
}

interface SafeParser<T> {
  safeParse(value: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
      };
}

/** Validates a request part (params, query, body) with a zod or zod/mini schema, or answers 400. */
export function parseOr400<T>(schema: SafeParser<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) =>
      issue.path.length > 0
        ? `${issue.path.map(String).join(".")}: ${issue.message}`
        : issue.message,
    )
    .join("; ");
  throw new HttpError(400, `Invalid ${what}: ${details}`);
}

/**
 * Serialises a response through its contract schema: unknown keys are stripped, so a field an
 * upstream adds never leaks to the browser. A mismatch is our bug, hence a 500.
 */
export function serialize<T>(schema: SafeParser<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new Error(`response does not match its schema: ${JSON.stringify(result.error.issues)}`);
  return result.data;
}

export function apiError(
  status: number,
  message: string,
  extra: HttpError["extra"] = {},
): ApiError {
  return serialize(ApiErrorSchema, { status, message, ...extra });
}

/** Set `config: { errorPage: true }` on browser-navigation routes to get an HTML error page. */
declare module "fastify" {
  interface FastifyContextConfig {
    errorPage?: boolean;
  }
}

export function messagePage(
  title: string,
  message: string,
  link?: { href: string; text: string },
): string {
  const linkHtml = link
    ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${linkHtml}</main></body></html>`;
}

const MASKED: Record<number, string> = {
  502: "An upstream service (the hub or BinderHub) did not answer as expected; try again shortly.",
  503: "Launchpad is shutting down or not ready; try again shortly.",
};

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  body: ApiError,
): FastifyReply {
  reply.code(status);
  if (request.routeOptions.config.errorPage) {
    return reply
      .type("text/html; charset=utf-8")
      .send(
        messagePage(
          status >= 500 ? "Launchpad error" : "Launchpad could not do that",
          body.message,
          body.login_url === undefined
            ? undefined
            : { href: body.login_url, text: "Sign in again" },
        ),
      );
  }
  return reply.type("application/json; charset=utf-8").send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | UpstreamError, request, reply) => {
    const status =
      typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 600
        ? error.statusCode
        : 500;
    if (status < 500) {
      const extra = error instanceof HttpError ? error.extra : {};
      return send(request, reply, status, apiError(status, error.message, extra));
    }
    request.log.error(
      { err: error, method: request.method, url: redactUrl(request.url), user: request.user?.name },
      "request failed",
    );
    return send(
      request,
      reply,
      status,
      apiError(
        status,
        MASKED[status] ?? "Internal server error; the details are in the companion's log.",
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      request,
      reply,
      404,
      apiError(
        404,
        `No such Launchpad endpoint: ${request.method} ${request.url.split("?")[0] ?? ""}`,
      ),
    ),
  );
}
