/**
 * The profile editor's HTTP API under the service prefix. Everything under `api/admin/profiles`
 * needs a user who may edit (a JupyterHub admin when the chart allows admins, or a member of an
 * editor group) and, on writes, the CSRF header (`app.requireUser` checks it):
 *
 *   GET    admin/                                    the editor page (its own bundle)
 *   GET    api/admin/profiles                        bounds, current version, my draft
 *   PUT    api/admin/profiles/draft                  save my draft
 *   DELETE api/admin/profiles/draft                  discard it
 *   POST   api/admin/profiles/image-checks           ask the registries about images
 *   GET    api/admin/profiles/versions               the history
 *   POST   api/admin/profiles/versions               publish (201; 409 conflict; 422 refused)
 *   GET    api/admin/profiles/versions/<n>           one version
 *   POST   api/admin/profiles/versions/<n>/rollback  publish version n's list anew
 *   GET    api/admin/profiles/export[?version=<n>]   z2jh values YAML
 *   POST   api/admin/profiles/import                 z2jh values YAML → a document (not saved)
 *
 * and, for the hub glue only, with the token the chart shares between hub and companion:
 *
 *   GET    api/hub/profile-list                      the published list, in KubeSpawner's shape
 */
import { timingSafeEqual } from "node:crypto";

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as z from "zod/mini";

import {
  ImageCheckRequestSchema,
  ImageCheckResponseSchema,
  ImportRequestSchema,
  ImportResponseSchema,
  ProfileDraftSchema,
  ProfileEditorStateSchema,
  ProfileVersionMetaSchema,
  ProfileVersionSchema,
  PublishConflictSchema,
  PublishRefusedSchema,
  PublishRequestSchema,
  RollbackRequestSchema,
  SaveDraftRequestSchema,
  VersionListSchema,
} from "../../../contract/profile-editor/schema.ts";
import { HttpError, parseOr400, serialize } from "../errors.ts";
import type { HubUser } from "../hub/hub-client.ts";
import { escapeHtml, jsonForScript } from "../html.ts";
import { applyPagePolicy } from "../security-headers.ts";
import { VersionTooLargeError } from "./store.ts";
import {
  PublishConflictError,
  PublishRefusedError,
  VersionNotFoundError,
  type ProfileEditorService,
} from "./service.ts";
import { ImportError } from "./z2jh.ts";

/** Who may edit, from the chart values (`profileEditor.editors`). */
export interface EditorPolicy {
  /** JupyterHub admins may edit. */
  admins: boolean;
  /** Members of these hub groups may edit. */
  groups: readonly string[];
}

export function mayEditProfiles(
  user: Pick<HubUser, "admin" | "groups">,
  policy: EditorPolicy,
): boolean {
  return (
    (policy.admins && user.admin) || user.groups.some((group) => policy.groups.includes(group))
  );
}

export interface ProfileEditorRoutesOptions {
  service: ProfileEditorService;
  policy: EditorPolicy;
  /** The token the hub glue sends (LAUNCHPAD_PROFILE_LIST_TOKEN); unset: the glue endpoint is off. */
  profileListToken: string | undefined;
  servicePrefix: string;
  hubBaseUrl: string;
}

const NumberParamsSchema = z.object({ number: z.coerce.number().check(z.int(), z.positive()) });
const ExportQuerySchema = z.object({
  version: z.optional(z.coerce.number().check(z.int(), z.positive())),
});
/** Documents near a ConfigMap's 1 MiB arrive as JSON a little larger than that. */
const BODY_LIMIT = 3 * 1024 * 1024;

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function adminPage(options: { servicePrefix: string; hubBaseUrl: string; user: string }): string {
  const data = {
    service_url: options.servicePrefix,
    hub_url: `${options.hubBaseUrl}hub/`,
    user: options.user,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Profile list · Launchpad</title>
<script type="application/json" id="launchpad-admin-data">${jsonForScript(data)}</script>
</head>
<body>
<div id="launchpad-admin"><p>Loading the profile editor…</p><noscript>The profile editor needs JavaScript.</noscript></div>
<script type="module" src="${escapeHtml(options.servicePrefix)}static/admin/admin.js"></script>
</body>
</html>`;
}

export function profileEditorRoutes(options: ProfileEditorRoutesOptions) {
  const { service, policy } = options;

  return function profileEditorRoutesPlugin(app: FastifyInstance): Promise<void> {
    async function requireEditor(request: FastifyRequest): Promise<void> {
      const user = request.user;
      if (!user) throw new HttpError(401, "Sign in to edit the profile list.");
      if (!mayEditProfiles(user, policy))
        throw new HttpError(
          403,
          `${user.name} may not edit the profile list: it needs ${[policy.admins ? "a JupyterHub admin" : "", policy.groups.length > 0 ? `membership of ${policy.groups.join(", ")}` : ""].filter(Boolean).join(" or ") || "an editor, and the chart values name none"}.`,
        );
      return Promise.resolve();
    }
    const editor = { preHandler: [app.requireUser, requireEditor] };
    const writing = { ...editor, bodyLimit: BODY_LIMIT };
    const me = (request: FastifyRequest) => request.user?.name ?? "";

    app.get(
      "/admin/",
      { preHandler: [app.identify], config: { errorPage: true } },
      async (request, reply) => {
        reply.header("cache-control", "no-store");
        if (!request.user) {
          const next = `${options.servicePrefix}admin/`;
          return reply.redirect(
            `${options.servicePrefix}oauth_login?next=${encodeURIComponent(next)}`,
            302,
          );
        }
        await requireEditor(request);
        // Scripts only from {prefix}static/ (the data island is JSON, never run).
        applyPagePolicy(request, reply, options.servicePrefix, []);
        return reply.type("text/html; charset=utf-8").send(
          adminPage({
            servicePrefix: options.servicePrefix,
            hubBaseUrl: options.hubBaseUrl,
            user: request.user.name,
          }),
        );
      },
    );
    app.get("/admin", (_request, reply) => reply.redirect(`${options.servicePrefix}admin/`, 301));

    app.get("/api/admin/profiles", editor, async (request, reply) => {
      reply.header("cache-control", "no-store");
      return serialize(ProfileEditorStateSchema, await service.state(me(request)));
    });

    app.put("/api/admin/profiles/draft", writing, async (request) => {
      const body = parseOr400(SaveDraftRequestSchema, request.body, "draft");
      return serialize(ProfileDraftSchema, await service.saveDraft(me(request), body));
    });

    app.delete("/api/admin/profiles/draft", editor, async (request, reply) => {
      await service.discardDraft(me(request));
      return reply.code(204).send();
    });

    app.post("/api/admin/profiles/image-checks", editor, async (request) => {
      const { images } = parseOr400(ImageCheckRequestSchema, request.body, "image check");
      return serialize(ImageCheckResponseSchema, { results: await service.checkImages(images) });
    });

    app.get("/api/admin/profiles/versions", editor, async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return serialize(VersionListSchema, await service.versionList());
    });

    async function published(reply: FastifyReply, publish: () => Promise<unknown>) {
      try {
        const meta = await publish();
        reply.code(201);
        return serialize(ProfileVersionMetaSchema, meta);
      } catch (error) {
        if (error instanceof PublishConflictError) {
          reply.code(409);
          return serialize(PublishConflictSchema, {
            status: 409,
            message: error.message,
            reason: "conflict",
            base_version: error.baseVersion,
            current: error.current,
          });
        }
        if (error instanceof PublishRefusedError) {
          reply.code(422);
          return serialize(PublishRefusedSchema, {
            status: 422,
            message: error.message,
            reason: error.reason,
            issues: error.issues,
            image_checks: error.imageChecks,
          });
        }
        if (error instanceof VersionTooLargeError) throw new HttpError(413, error.message);
        if (error instanceof VersionNotFoundError) throw new HttpError(404, error.message);
        throw error;
      }
    }

    app.post("/api/admin/profiles/versions", writing, async (request, reply) => {
      const body = parseOr400(PublishRequestSchema, request.body, "publish request");
      return published(reply, () =>
        service.publish(me(request), {
          baseVersion: body.base_version,
          message: body.message,
          document: body.document,
          acceptUnreachable: body.accept_unreachable ?? [],
        }),
      );
    });

    app.get("/api/admin/profiles/versions/:number", editor, async (request) => {
      const { number } = parseOr400(NumberParamsSchema, request.params, "version number");
      try {
        return serialize(ProfileVersionSchema, await service.version(number));
      } catch (error) {
        if (error instanceof VersionNotFoundError) throw new HttpError(404, error.message);
        throw error;
      }
    });

    app.post("/api/admin/profiles/versions/:number/rollback", editor, async (request, reply) => {
      const { number } = parseOr400(NumberParamsSchema, request.params, "version number");
      const body = parseOr400(RollbackRequestSchema, request.body ?? {}, "rollback request");
      return published(reply, () =>
        service.rollback(me(request), number, {
          baseVersion: body.base_version,
          acceptUnreachable: body.accept_unreachable ?? [],
          ...(body.message ? { message: body.message } : {}),
        }),
      );
    });

    app.get("/api/admin/profiles/export", editor, async (request, reply) => {
      const { version } = parseOr400(ExportQuerySchema, request.query, "export query");
      try {
        const exported = await service.exportYaml(version);
        const name = `profile-list${exported.version === null ? "" : `-v${exported.version}`}.yaml`;
        return reply
          .header("cache-control", "no-store")
          .header("content-disposition", `attachment; filename="${name}"`)
          .type("application/yaml; charset=utf-8")
          .send(exported.yaml);
      } catch (error) {
        if (error instanceof VersionNotFoundError) throw new HttpError(404, error.message);
        throw error;
      }
    });

    app.post("/api/admin/profiles/import", writing, (request) => {
      const { yaml } = parseOr400(ImportRequestSchema, request.body, "import request");
      try {
        return Promise.resolve(serialize(ImportResponseSchema, service.importYaml(yaml)));
      } catch (error) {
        if (error instanceof ImportError) throw new HttpError(422, error.message);
        throw error;
      }
    });

    // The hub glue's fetch: never a browser, never a user's token.
    app.get("/api/hub/profile-list", (request, reply) => {
      const token = options.profileListToken;
      if (!token)
        throw new HttpError(
          404,
          "The profile list endpoint is off: no LAUNCHPAD_PROFILE_LIST_TOKEN is configured.",
        );
      const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
      if (!match?.[1] || !sameToken(match[1], token))
        throw new HttpError(
          403,
          "This endpoint is for the hub glue, with the token the chart shares with the hub.",
        );
      reply.header("cache-control", "no-store");
      return service.publishedList();
    });

    return Promise.resolve();
  };
}
