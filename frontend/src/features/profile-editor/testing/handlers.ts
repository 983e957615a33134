/**
 * The companion's profile editor API as MSW handlers, for unit tests and Storybook: a small
 * in-memory companion with versions, a draft, image checks and the publish rules (409 on a stale
 * base version, 422 on a missing image), so stories and tests drive the real page against it.
 */
import { delay, http, HttpResponse, type HttpHandler, type JsonBodyType } from "msw";
import { CSRF_HEADER, type ApiError } from "../../../../../contract/api.ts";
import {
  hasErrors,
  validateProfileDocument,
} from "../../../../../contract/profile-editor/rules.ts";
import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "../../../../../contract/profile-editor/sample.ts";
import { ProfileVersionMetaSchema } from "../../../../../contract/profile-editor/schema.ts";
import type {
  ImageCheckResult,
  ImageCheckStatus,
  ProfileDocument,
  ProfileDraft,
  ProfileEditorState,
  ProfileVersion,
  PublishConflict,
  PublishRefused,
  PublishRequest,
  RollbackRequest,
} from "../../../../../contract/profile-editor/schema.ts";

export const EDITOR_URL = "*/services/:service/api/admin/profiles";
export const FIXTURE_CHECKED_AT = "2026-12-01T09:00:00.000Z";

function json<T extends JsonBodyType>(body: T, status = 200): Response {
  return HttpResponse.json(body, { status });
}

function apiError(status: number, message: string): Response {
  return json<ApiError>({ status, message }, status);
}

export function withImage(document: ProfileDocument, image: string): ProfileDocument {
  const copy = structuredClone(document);
  const choice = copy.profiles[0]?.options[0]?.choices[0];
  if (choice) choice.settings.image = image;
  return copy;
}

/** Three published versions of the sample list: an image bump, then a rename. */
export function sampleVersions(): ProfileVersion[] {
  const v1 = SAMPLE_DOCUMENT;
  const v2 = withImage(v1, "quay.io/jupyter/scipy-notebook:2025-07-01");
  const v3 = structuredClone(v2);
  if (v3.profiles[1]) v3.profiles[1].display_name = "GPU (T4)";
  const docs = [v1, v2, v3];
  const authors = ["ada", "ada", "bob"];
  const messages = ["First list from the editor", "SciPy image of July", "Say which GPU"];
  return docs.map((document, i) => ({
    number: i + 1,
    created: `2026-11-${String(20 + i).padStart(2, "0")}T10:00:00.000Z`,
    author: authors[i] ?? "ada",
    message: messages[i] ?? "",
    unreachable_accepted: [],
    document,
    image_checks: [],
  }));
}

export interface EditorApiOptions {
  versions?: ProfileVersion[];
  draft?: ProfileDraft | null;
  baseDocument?: ProfileDocument | null;
  /** What the registries answer per image; default: found. */
  images?: Record<string, ImageCheckStatus>;
  /** Milliseconds each image check takes (the "checking" story holds it forever). */
  checkDelay?: number | "infinite";
  /** Another admin publishes this document just before the next publish from here lands. */
  publishedMeanwhile?: { author: string; message: string; document: ProfileDocument };
}

/** The in-memory companion. Writes check the CSRF header, as the real one does. */
export function editorApi(options: EditorApiOptions = {}): HttpHandler[] {
  const versions = [...(options.versions ?? sampleVersions())];
  let draft = options.draft ?? null;
  let meanwhile = options.publishedMeanwhile;
  const current = () => versions.at(-1) ?? null;
  const state = (): ProfileEditorState => ({
    bounds: SAMPLE_BOUNDS,
    current: current(),
    draft,
    base_document: options.baseDocument ?? null,
    retention: 50,
    hub_cache_seconds: 10,
  });
  const check = (image: string): ImageCheckResult => {
    const status = options.images?.[image] ?? "ok";
    const messages: Record<ImageCheckStatus, string> = {
      ok: `${image} is in the registry.`,
      missing: `${image.split(":")[0] ?? image} has no tag ${image.split(":")[1] ?? "latest"} (MANIFEST_UNKNOWN). Check the tag on the registry's page.`,
      private: `${image} was not found, or it is private: the registry refused anonymous access.`,
      unreachable: `${image.split("/")[0] ?? image} could not be reached (ECONNREFUSED); you can publish anyway, and the version will record it.`,
      invalid: `${image} is not under an allowed registry or prefix.`,
    };
    return {
      image,
      status,
      message: messages[status],
      ...(status === "ok"
        ? { digest: "sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d" }
        : {}),
      checked_at: FIXTURE_CHECKED_AT,
    };
  };
  const wait = async () => {
    if (options.checkDelay === "infinite") await delay("infinite");
    else if (options.checkDelay) await delay(options.checkDelay);
  };
  const csrf = (request: Request) => request.headers.get(CSRF_HEADER) === null;
  const publish = (
    author: string,
    base: number | null,
    message: string,
    document: ProfileDocument,
    accept: string[],
    rollbackOf?: number,
  ): Response => {
    if (meanwhile) {
      versions.push({
        ...meanwhile,
        number: versions.length + 1,
        created: FIXTURE_CHECKED_AT,
        unreachable_accepted: [],
        image_checks: [],
      });
      meanwhile = undefined;
    }
    const latest = current();
    if (latest && latest.number !== base)
      return json<PublishConflict>(
        {
          status: 409,
          message: `Version ${latest.number} was published by ${latest.author} since you started from version ${base ?? "none"}. Review what changed, then publish again.`,
          reason: "conflict",
          base_version: base,
          current: latest,
        },
        409,
      );
    const issues = validateProfileDocument(document, SAMPLE_BOUNDS);
    if (hasErrors(issues))
      return json<PublishRefused>(
        {
          status: 422,
          message: "The profile list has problems; fix them before publishing.",
          reason: "invalid",
          issues,
          image_checks: [],
        },
        422,
      );
    const images = [
      ...new Set(
        document.profiles
          .flatMap((p) => [
            p.settings.image,
            ...p.options.flatMap((o) => o.choices.map((c) => c.settings.image)),
          ])
          .filter((i): i is string => Boolean(i)),
      ),
    ];
    const checks = images.map(check);
    const blocked = checks.filter(
      (c) => c.status !== "ok" && !(c.status === "unreachable" && accept.includes(c.image)),
    );
    if (blocked.length > 0)
      return json<PublishRefused>(
        {
          status: 422,
          message: "An image is not in its registry as named; fix it before publishing.",
          reason: "images",
          issues,
          image_checks: checks,
        },
        422,
      );
    const version: ProfileVersion = {
      number: versions.length + 1,
      created: FIXTURE_CHECKED_AT,
      author,
      message,
      ...(rollbackOf === undefined ? {} : { rollback_of: rollbackOf }),
      unreachable_accepted: checks.filter((c) => c.status === "unreachable").map((c) => c.image),
      document,
      image_checks: checks,
    };
    versions.push(version);
    draft = null;
    return json(ProfileVersionMetaSchema.parse(version), 201);
  };
  return [
    http.get(EDITOR_URL, () => json(state())),
    http.put(`${EDITOR_URL}/draft`, async ({ request }) => {
      if (csrf(request))
        return apiError(
          403,
          "Missing or wrong x-launchpad-csrf header; reload the page and try again.",
        );
      const body = (await request.json()) as {
        base_version: number | null;
        document: ProfileDocument;
      };
      draft = { ...body, updated: FIXTURE_CHECKED_AT, author: "ada" };
      return json(draft);
    }),
    http.delete(`${EDITOR_URL}/draft`, () => {
      draft = null;
      return new HttpResponse(null, { status: 204 });
    }),
    http.post(`${EDITOR_URL}/image-checks`, async ({ request }) => {
      const { images } = (await request.json()) as { images: string[] };
      await wait();
      return json({ results: images.map(check) });
    }),
    http.get(`${EDITOR_URL}/versions`, () =>
      json({
        current: current()?.number ?? null,
        versions: [...versions]
          .reverse()
          .map(({ document: _d, image_checks: _c, ...meta }) => meta),
      }),
    ),
    http.post(`${EDITOR_URL}/versions`, async ({ request }) => {
      if (csrf(request))
        return apiError(
          403,
          "Missing or wrong x-launchpad-csrf header; reload the page and try again.",
        );
      const body = (await request.json()) as PublishRequest;
      return publish(
        "ada",
        body.base_version,
        body.message,
        body.document,
        body.accept_unreachable ?? [],
      );
    }),
    http.get(`${EDITOR_URL}/versions/:number`, ({ params }) => {
      const version = versions.find((v) => v.number === Number(params.number));
      return version
        ? json(version)
        : apiError(404, `There is no version ${String(params.number)}.`);
    }),
    http.post(`${EDITOR_URL}/versions/:number/rollback`, async ({ params, request }) => {
      const old = versions.find((v) => v.number === Number(params.number));
      if (!old) return apiError(404, `There is no version ${String(params.number)}.`);
      const body = (await request.json()) as RollbackRequest;
      return publish(
        "ada",
        body.base_version,
        body.message ?? `Roll back to version ${old.number}`,
        old.document,
        body.accept_unreachable ?? [],
        old.number,
      );
    }),
    http.post(`${EDITOR_URL}/import`, () =>
      json({
        document: SAMPLE_DOCUMENT,
        notes: [
          '"Python" › image: kubespawner_override.volumes dropped (not editable in the browser).',
        ],
      }),
    ),
  ];
}
