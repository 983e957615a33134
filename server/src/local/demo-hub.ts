/**
 * Local mode's stand-in for JupyterHub's spawn page
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/share/jupyterhub/templates/spawn.html): the same page
 * structure, `window.jhdata`, form action with `?_xsrf=` and the markup the hub glue renders, so the
 * bundle runs exactly as it would inside a hub. POST shows what KubeSpawner would receive.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  SPAWN_PAGE_CONTRACT_VERSION,
  SPAWN_PAGE_DATA_ELEMENT_ID,
  SPAWN_PAGE_MOUNT_ELEMENT_ID,
  type Profile,
  type SpawnPageData,
} from "../../../contract/spawn-page.ts";
import type { LocalIdentity } from "../auth/identity.ts";
import { newSession, readSession, setSessionCookie, type CookieSettings } from "../auth/session.ts";
import { HttpError } from "../errors.ts";
import { escapeHtml, jsonForScript } from "../html.ts";
import { applyPagePolicy } from "../security-headers.ts";
import { optionsFromForm, validateUserOptions, type FormData } from "./spawn-form.ts";

/**
 * The demo hub's fixed XSRF token (`jhdata.xsrf_token`); the real hub's is per session
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/_xsrf_utils.py#L139-L186).
 */
export const LOCAL_XSRF_TOKEN = "local";

export interface DemoHubOptions extends CookieSettings {
  serviceName: string;
  identity: LocalIdentity;
  /** Milliseconds since the epoch. */
  now: () => number;
  profiles: readonly Profile[];
  user: string;
}

function formDataFromEntries(entries: Iterable<[string, string]>): FormData {
  const data: FormData = {};
  for (const [key, value] of entries) (data[key] ??= []).push(value);
  return data;
}

/** multipart/form-data, parsed by the platform (undici's Request.formData). */
async function parseMultipart(body: Buffer, contentType: string): Promise<FormData> {
  const form = await new Request("http://local.invalid/", {
    method: "POST",
    headers: { "content-type": contentType },
    body: new Uint8Array(body),
  }).formData();
  const entries: [string, string][] = [];
  for (const [key, value] of form.entries()) {
    // JupyterHub files uploaded fields as `<name>_file`
    // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/pages.py#L345-L346); KubeSpawner ignores them.
    entries.push(typeof value === "string" ? [key, value] : [`${key}_file`, value.name]);
  }
  return formDataFromEntries(entries);
}

/** The page's one inline script, as the hub's page.html sets `window.jhdata` (its CSP hash allows it). */
export function jhdataScript(user: string): string {
  const jhdata = {
    base_url: "/hub/",
    prefix: "/",
    user,
    admin_access: true,
    options_form: true,
    xsrf_token: LOCAL_XSRF_TOKEN,
  };
  return `window.jhdata = ${jsonForScript(jhdata)};`;
}

export function renderSpawnPage(options: {
  servicePrefix: string;
  data: SpawnPageData;
  user: string;
}): string {
  const bundle = `${options.servicePrefix}static/launchpad.js`;
  // The profile radios are the smallest fallback that still posts KubeSpawner's fields, as the glue's does.
  const fallback = options.data.profiles
    .map(
      (p) =>
        `<div><label><input type="radio" name="profile" value="${escapeHtml(p.slug)}"${p.default ? " checked" : ""}> ${escapeHtml(p.display_name)}</label></div>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>JupyterHub (Launchpad local demo)</title>
<script>${jhdataScript(options.user)}</script>
<style>body{font-family:system-ui,sans-serif;margin:0}.navbar{padding:.5rem 1rem;border-bottom:1px solid #ddd}main{max-width:60rem;margin:1rem auto;padding:0 1rem}.feedback-container{margin-top:1rem}.btn-jupyter{background:#f37524;color:#fff;border:0;padding:.5rem 1.5rem;font-size:1rem;border-radius:.25rem}</style>
</head>
<body>
<nav class="navbar"><strong>JupyterHub</strong> <span>(Launchpad local demo; signed in as ${escapeHtml(options.user)})</span></nav>
<main class="container">
<h1>Server Options</h1>
<form enctype="multipart/form-data" id="spawn_form" action="/hub/spawn?_xsrf=${LOCAL_XSRF_TOKEN}" method="post" role="form">
<script type="application/json" id="${SPAWN_PAGE_DATA_ELEMENT_ID}">${jsonForScript(options.data)}</script>
<div id="${SPAWN_PAGE_MOUNT_ELEMENT_ID}" class="launchpad" data-launchpad-state="loading"><fieldset class="launchpad-fallback"><legend>Choose what to start</legend>${fallback}</fieldset></div>
<script type="module" src="${escapeHtml(bundle)}"></script>
<br>
<div class="feedback-container"><button type="submit" class="btn btn-jupyter form-control">Start</button></div>
</form>
</main>
</body>
</html>
`;
}

export function demoHubRoutes(options: DemoHubOptions) {
  // The hub persists user_options per server (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/user.py#L917-L926);
  // the demo keeps them in memory.
  let savedUserOptions: Record<string, string> = {};

  function page(reply: FastifyReply, status: number, html: string): FastifyReply {
    return reply
      .code(status)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(html);
  }

  return function routes(app: FastifyInstance): Promise<void> {
    app.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_request, body, done) => {
        done(null, formDataFromEntries(new URLSearchParams(body as string).entries()));
      },
    );
    app.addContentTypeParser(
      "multipart/form-data",
      { parseAs: "buffer" },
      (request, body, done) => {
        parseMultipart(body as Buffer, request.headers["content-type"] ?? "").then(
          (data) => done(null, data),
          () => done(new HttpError(400, "The form data could not be parsed."), undefined),
        );
      },
    );

    app.get("/", (_request, reply) => reply.redirect("/hub/spawn", 302));

    app.get("/hub/spawn", async (request: FastifyRequest, reply) => {
      // The real hub has logged the user in before the spawn page; the demo hands out a session.
      const session = readSession(request, options, options.now());
      if (!session || (await options.identity.check(session.token)).outcome !== "ok") {
        const token = options.identity.issueToken();
        setSessionCookie(request, reply, options, newSession(token, options.now(), undefined));
      }
      const data: SpawnPageData = {
        version: SPAWN_PAGE_CONTRACT_VERSION,
        service_name: options.serviceName,
        user: options.user,
        server_name: "",
        profiles: [...options.profiles],
        user_options: savedUserOptions,
      };
      applyPagePolicy(request, reply, options.servicePrefix, [jhdataScript(options.user)]);
      return page(
        reply,
        200,
        renderSpawnPage({ servicePrefix: options.servicePrefix, data, user: options.user }),
      );
    });

    app.post("/hub/spawn", { config: { errorPage: true } }, async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const body = (request.body ?? {}) as FormData;
      // JupyterHub 4.1+ checks `_xsrf` (query or body) or X-XSRFToken on POSTs
      // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/_xsrf_utils.py#L223-L250).
      const xsrf = query._xsrf ?? body._xsrf?.[0] ?? request.headers["x-xsrftoken"];
      if (xsrf !== LOCAL_XSRF_TOKEN) throw new HttpError(403, "'_xsrf' argument missing from POST");
      if (typeof body !== "object" || Array.isArray(body))
        throw new HttpError(400, "Expected a form post.");

      const userOptions = optionsFromForm(body);
      const problems = validateUserOptions(userOptions, options.profiles);
      const back = `<p><a href="/hub/spawn">Back to the spawn page</a></p>`;
      const shown = `<pre id="user-options">${escapeHtml(JSON.stringify(userOptions, null, 2))}</pre>`;
      if (problems.length > 0) {
        const list = problems.map((p) => `<li>${escapeHtml(p)}</li>`).join("");
        return page(
          reply,
          400,
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Spawn failed</title></head><body><main><h1>KubeSpawner would refuse this form</h1><ul id="problems">${list}</ul><p>user_options:</p>${shown}${back}</main></body></html>`,
        );
      }
      savedUserOptions = userOptions;
      return page(
        reply,
        200,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Server options received</title></head><body><main><h1>Server options received</h1><p>In a real hub, KubeSpawner would now start a server with these options (user_options):</p>${shown}${back}</main></body></html>`,
      );
    });
    return Promise.resolve();
  };
}
