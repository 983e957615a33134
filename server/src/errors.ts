/**
 * One error shape for the whole companion: JupyterHub's `{status, message}` (APIHandler.write_error,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/base.py#L126-L171), parsed through the shared
 * ApiErrorSchema. 4xx messages are meant
 * for the user and pass through; 5xx are logged with the request and masked.
 */
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from "fastify";
import type { Socket } from "node:net";
import { ApiErrorSchema, describeIssues, type ApiError } from "../../contract/api.ts";
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
  readonly statusCode: number = 502;
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
  throw new HttpError(400, `Invalid ${what}: ${describeIssues(result.error.issues)}`);
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

/**
 * Fastify's schema compilers, replaced: routes parse with zod (`parseOr400`) and answer through
 * `serialize`, never with Fastify's JSON schemas. Without this, Fastify loads Ajv and
 * fast-json-stringify for its default compilers when the app is built (fastify 5.x
 * lib/schema-controller.js, `buildSchemaController`: it `require`s `@fastify/ajv-compiler` and
 * `@fastify/fast-json-stringify-compiler` unless `compilersFactory` names both), some 200 modules
 * and about 10 MB of resident memory for code no route runs. A route given a JSON schema fails to
 * register, naming itself.
 */
interface RouteOfSchema {
  method: string;
  url: string;
}
type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
export const zodOnlySchemas = {
  // Fastify's types describe Ajv's compilers (@fastify/ajv-compiler); at run time a factory is
  // called once and its compiler once per route part, with `{ schema, method, url, httpPart }`.
  compilersFactory: {
    buildValidator: () => (route: RouteOfSchema) => {
      throw new Error(
        `${route.method} ${route.url} has a JSON schema; Launchpad's routes validate with zod (parseOr400)`,
      );
    },
    buildSerializer: () => (route: RouteOfSchema) => {
      throw new Error(
        `${route.method} ${route.url} has a response schema; Launchpad's routes answer through serialize()`,
      );
    },
  } as unknown as CompilersFactory,
};

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

/** Fastify's own 4xx (its content-type parser, fastify/lib/errors.js), said for a person. */
const FASTIFY_MESSAGES: Partial<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE:
    "Launchpad does not take a body of this Content-Type here; send JSON (Content-Type: application/json).",
  FST_ERR_CTP_BODY_TOO_LARGE: "The request body is too large for Launchpad (over 1 MiB).",
  FST_ERR_CTP_EMPTY_JSON_BODY:
    "The request says it holds JSON (Content-Type: application/json) but its body is empty.",
  FST_ERR_CTP_INVALID_JSON_BODY: "The request body is not valid JSON.",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "The request's Content-Length does not match its body.",
};

const MASKED: Record<number, string> = {
  502: "An upstream service (the hub or BinderHub) did not answer as expected; try again shortly.",
  503: "Launchpad is shutting down or not ready; try again shortly.",
  504: "The hub is slow to answer right now; try again shortly.",
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
      const message = FASTIFY_MESSAGES[(error as FastifyError).code] ?? error.message;
      return send(request, reply, status, apiError(status, message, extra));
    }
    request.log.error(
      { err: error, method: request.method, url: redactUrl(request.url), user: request.user?.name },
      "request failed",
    );
    // An HttpError's message is written for the person (e.g. why a delete is refused for now);
    // anything else is masked.
    const message =
      error instanceof HttpError
        ? error.message
        : (MASKED[status] ?? "Internal server error; the details are in the companion's log.");
    return send(request, reply, status, apiError(status, message));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    // The path is the caller's text: say which one, but not all 8 KiB of it.
    const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path;
    return send(
      request,
      reply,
      404,
      apiError(404, `No such Launchpad endpoint: ${request.method} ${shown}`),
    );
  });
}

/**
 * Fastify's router answers some requests before any hook or handler runs, in a shape of its own
 * (fastify.js `onBadUrl`, `onMaxParamLength`); this puts them in ours.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions["frameworkErrors"]> = (
  error,
  request,
  reply,
) => {
  const [status, message] =
    error.code === "FST_ERR_BAD_URL"
      ? [
          400,
          "The address is not valid: it holds a broken percent-encoding (a % not followed by two hex digits).",
        ]
      : error.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? [
            414,
            "The address is too long for Launchpad (a name or id in it is over 2,000 characters).",
          ]
        : [500, "Internal server error; the details are in the companion's log."];
  if (status >= 500) request.log.error({ err: error }, "request failed before routing");
  void send(request, reply, status, apiError(status, message));
};

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (node's `clientError`: a
 * request too slow to arrive, headers over the size limit, bytes that are not HTTP); Fastify's
 * default answer is its own shape. The connection cannot be trusted any further, so it closes.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "Request Timeout", "The request took too long to send; send it again."]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [
            431,
            "Request Header Fields Too Large",
            "The request's headers are too large; clearing this site's cookies usually helps.",
          ]
        : [400, "Bad Request", "The request is not a valid HTTP request."];
  const body = JSON.stringify(apiError(status, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
