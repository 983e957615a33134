/**
 * Local mode's stand-in for JupyterHub's spawn page
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/share/jupyterhub/templates/spawn.html): the same page
 * structure, `window.jhdata`, form action with `?_xsrf=`, the markup the hub glue renders and
 * JupyterHub 5's light and dark themes (`data-bs-theme`), so the bundle runs exactly as it would
 * inside a hub. A box above the form says what is simulated, the demo's limits, the failure
 * scenarios to try and where local state lives. POST shows what KubeSpawner would receive: the
 * image, the project folder mounted as home, and the user_options.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import {
  PROJECT_OPTION_KEY,
  SPAWN_PAGE_CONTRACT_VERSION,
  SPAWN_PAGE_DATA_ELEMENT_ID,
  SPAWN_PAGE_MOUNT_ELEMENT_ID,
  UNLISTED_CHOICE_SUFFIX,
  type Profile,
  type SpawnPageData,
} from "../../../contract/spawn-page.ts";
import type { LocalIdentity } from "../auth/identity.ts";
import { newSession, readSession, setSessionCookie, type CookieSettings } from "../auth/session.ts";
import { HttpError } from "../errors.ts";
import { escapeHtml, jsonForScript } from "../html.ts";
import { createLocalProjectFolder } from "../projects/folder-removal.ts";
import { applyPagePolicy } from "../security-headers.ts";
import type { DemoScenario } from "./binderhub-simulator.ts";
import { optionsFromForm, validateUserOptions, type FormData } from "./spawn-form.ts";

/**
 * The demo hub's fixed XSRF token (`jhdata.xsrf_token`); the real hub's is per session
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/_xsrf_utils.py#L139-L186).
 */
export const LOCAL_XSRF_TOKEN = "local";

/** What the box above the form tells a newcomer. */
export interface DemoFacts {
  limits: { concurrentBuilds: number; buildsPerHour: number; projects: number };
  /** The failure scenarios of the BinderHub simulator; null when a real BinderHub is configured. */
  scenarios: readonly DemoScenario[] | null;
  /** Where project records and folders live (LAUNCHPAD_LOCAL_DATA_DIR). */
  localDataDir: string;
}

export interface DemoHubOptions extends CookieSettings {
  serviceName: string;
  identity: LocalIdentity;
  /** Milliseconds since the epoch. */
  now: () => number;
  profiles: readonly Profile[];
  user: string;
  demo: DemoFacts;
  /**
   * A start the demo accepted, on a project: the demo runs no server, so this is where local mode
   * learns that the start happened (in a hub, the companion sees the user's pod run).
   */
  onProjectStart?: ((start: DemoProjectStart) => Promise<void>) | undefined;
}

export interface DemoProjectStart {
  user: string;
  projectId: string;
  /** The built image it started on: the image option's unlisted value. */
  image: string | undefined;
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

// JupyterHub 5's static/js/darkmode.js: the stored choice, else the system's, followed live; the
// toggle in the navigation bar stores a choice. Launchpad's page follows `data-bs-theme`.
const THEME_SCRIPT = `(()=>{const k="jupyterhub-bs-theme",q=matchMedia("(prefers-color-scheme: dark)"),s=()=>{try{return localStorage.getItem(k)}catch{return null}},t=()=>s()??(q.matches?"dark":"light"),a=v=>document.documentElement.setAttribute("data-bs-theme",v);a(t());q.addEventListener("change",()=>{if(!s())a(t())});addEventListener("DOMContentLoaded",()=>{document.getElementById("dark-theme-toggle")?.addEventListener("click",()=>{const v=document.documentElement.getAttribute("data-bs-theme")==="dark"?"light":"dark";try{localStorage.setItem(k,v)}catch{}a(v)});for(const b of document.querySelectorAll("button[data-copy]"))b.addEventListener("click",()=>{void navigator.clipboard?.writeText(b.dataset.copy).then(()=>{b.textContent="Copied"})})})})();`;

// Bootstrap 5.3's body colours for each theme; without the script the system's scheme applies.
const STYLE = `:root{color-scheme:light dark}:root[data-bs-theme=light]{color-scheme:light}:root[data-bs-theme=dark]{color-scheme:dark}
body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;background:light-dark(#fff,#212529);color:light-dark(#212529,#dee2e6)}
a{color:light-dark(#0d6efd,#6ea8fe)}
code,pre{font-family:ui-monospace,monospace;font-size:.875em;overflow-wrap:anywhere}
pre{white-space:pre-wrap;padding:.75rem;border-radius:.375rem;background:light-dark(#f8f9fa,#2b3035)}
.navbar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.5rem 1rem;border-bottom:1px solid light-dark(#dee2e6,#495057)}
.navbar button{margin-left:auto}
button{font:inherit;color:inherit;background:light-dark(#f8f9fa,#343a40);border:1px solid light-dark(#ced4da,#6c757d);border-radius:.375rem;padding:.125rem .5rem;cursor:pointer}
main{max-width:60rem;margin:1rem auto;padding:0 1rem}
.demo-about{margin:1rem 0;padding:.5rem 1rem;border:1px solid light-dark(#b6d4fe,#084298);border-radius:.375rem;background:light-dark(#f0f6ff,#031633)}
.demo-about h2{font-size:1rem;margin:.5rem 0}.demo-about p{margin:.5rem 0}.demo-about code{color:inherit}
.demo-about table{border-collapse:collapse;margin:.5rem 0}.demo-about td,.demo-about th{text-align:left;vertical-align:top;padding:.25rem .5rem;border-top:1px solid light-dark(#dee2e6,#495057)}
.demo-about summary{cursor:pointer;font-weight:600}
dl.demo-result{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.demo-result dt{font-weight:600}dl.demo-result dd{margin:0}
.feedback-container{margin-top:1rem}`;

/**
 * Where JupyterHub's page.html links its stylesheet: Bootstrap 5.3 with the hub's own Start colours
 * (https://github.com/jupyterhub/jupyterhub/blob/044a916488746aa257dc6c4ebc16cc56e857544d/share/jupyterhub/templates/page.html#L35),
 * which Launchpad's page builds on; `.btn-jupyter` as stories/hub-theme.css has it.
 */
export const HUB_STYLESHEET = "/hub/static/css/style.min.css";
const JUPYTER_BUTTON = `.btn-jupyter{--bs-btn-color:#fff;--bs-btn-bg:#f37524;--bs-btn-border-color:#e34f21;--bs-btn-hover-color:#fff;--bs-btn-hover-bg:#cf631f;--bs-btn-hover-border-color:#c1431c}`;

/** Bootstrap 5.3.8 (the version JupyterHub 5.5 and 6.1 ship) from the project's own packages. */
async function hubStylesheet(): Promise<string> {
  const bootstrap = createRequire(import.meta.url).resolve("bootstrap/dist/css/bootstrap.min.css");
  return `${await readFile(bootstrap, "utf8")}\n${JUPYTER_BUTTON}\n`;
}

/** The page's one jhdata script, as the hub's page.html sets `window.jhdata` (allowed by hash). */
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

function layout(title: string, body: string, head = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<script>${THEME_SCRIPT}</script>${head}
<link rel="stylesheet" href="${HUB_STYLESHEET}">
<style>${STYLE}</style>
</head>
<body>
<nav class="navbar"><strong>JupyterHub</strong> <span>Launchpad local demo</span> <button type="button" id="dark-theme-toggle" aria-label="Toggle dark mode" title="Toggle dark mode">◐</button></nav>
<main class="container">
${body}
</main>
</body>
</html>
`;
}

function aboutBox(demo: DemoFacts): string {
  const { limits } = demo;
  const scenarios = demo.scenarios
    ? `<details><summary>Failure scenarios to try</summary><p>Build one of these GitHub repositories (any other repository replays the recorded build):</p><table><thead><tr><th scope="col">Repository</th><th scope="col">What happens</th></tr></thead><tbody>${demo.scenarios
        .map(
          (s) =>
            `<tr><td><code>${escapeHtml(s.repository)}</code> <button type="button" data-copy="${escapeHtml(s.repository)}" aria-label="Copy ${escapeHtml(s.repository)}">Copy</button></td><td>${escapeHtml(s.description)}</td></tr>`,
        )
        .join("")}</tbody></table></details>`
    : "";
  const builds = demo.scenarios
    ? "builds go to a simulated BinderHub that replays one recorded build (names and tags are BinderHub's)"
    : "builds go to the BinderHub set in LAUNCHPAD_BINDERHUB_URL";
  return `<aside class="demo-about" aria-labelledby="demo-about-title">
<h2 id="demo-about-title">Launchpad's local demo</h2>
<p>No hub and no cluster: this page stands in for JupyterHub's spawn page, ${builds}, and Start shows what KubeSpawner would receive.</p>
<p>Demo limits per user: ${limits.concurrentBuilds} builds at once, ${limits.buildsPerHour} builds an hour, ${limits.projects} projects (<code>LAUNCHPAD_BUILD_CONCURRENT_PER_USER</code>, <code>LAUNCHPAD_BUILDS_PER_HOUR_PER_USER</code>, <code>LAUNCHPAD_PROJECT_LIMIT_PER_USER</code>).</p>
${scenarios}
<p>Projects and their folders live in <code>${escapeHtml(demo.localDataDir)}</code>. Stop the demo with Ctrl-C; delete that folder to start afresh.</p>
</aside>`;
}

export function renderSpawnPage(options: {
  servicePrefix: string;
  data: SpawnPageData;
  user: string;
  demo: DemoFacts;
}): string {
  const bundle = `${options.servicePrefix}static/launchpad.js`;
  // The profile radios are the smallest fallback that still posts KubeSpawner's fields, as the glue's does.
  const fallback = options.data.profiles
    .map(
      (p) =>
        `<div><label><input type="radio" name="profile" value="${escapeHtml(p.slug)}"${p.default ? " checked" : ""}> ${escapeHtml(p.display_name)}</label></div>`,
    )
    .join("");
  return layout(
    "JupyterHub (Launchpad local demo)",
    `${aboutBox(options.demo)}
<h1>Server Options</h1>
<form enctype="multipart/form-data" id="spawn_form" action="/hub/spawn?_xsrf=${LOCAL_XSRF_TOKEN}" method="post" role="form">
<script type="application/json" id="${SPAWN_PAGE_DATA_ELEMENT_ID}">${jsonForScript(options.data)}</script>
<div id="${SPAWN_PAGE_MOUNT_ELEMENT_ID}" class="launchpad" data-launchpad-state="loading"><fieldset class="launchpad-fallback"><legend>Choose what to start</legend>${fallback}</fieldset></div>
<script type="module" src="${escapeHtml(bundle)}"></script>
<br>
<div class="feedback-container"><button type="submit" class="btn btn-jupyter form-control">Start</button></div>
</form>`,
    `\n<script>${jhdataScript(options.user)}</script>`,
  );
}

/** Each option of the chosen profile with the value KubeSpawner would use (its default if none). */
function chosenValues(
  profile: Profile,
  userOptions: Record<string, string>,
): { label: string; value: string; id: string }[] {
  return profile.profile_options.map((option) => {
    const unlisted = userOptions[`${option.key}${UNLISTED_CHOICE_SUFFIX}`];
    const key = userOptions[option.key];
    const choice =
      option.choices.find((c) => c.key === key) ??
      option.choices.find((c) => c.default) ??
      option.choices[0];
    return {
      label: option.display_name,
      id: `option-${option.key}`,
      value: unlisted ? unlisted : choice ? `${choice.display_name} (${choice.key})` : "",
    };
  });
}

export function demoHubRoutes(options: DemoHubOptions) {
  // The hub persists user_options per server (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/user.py#L917-L926);
  // the demo keeps them in memory.
  let savedUserOptions: Record<string, string> = {};
  const dataDir = resolve(options.demo.localDataDir);
  const demo = { ...options.demo, localDataDir: dataDir };

  /** A page of the demo hub, under the page policy: its inline scripts by hash, styles inline. */
  function page(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    html: string,
    inlineScripts: readonly string[] = [],
  ): FastifyReply {
    applyPagePolicy(
      request,
      reply,
      options.servicePrefix,
      [THEME_SCRIPT, ...inlineScripts],
      [`${request.protocol}://${request.host}${HUB_STYLESHEET}`],
    );
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

    let stylesheet: Promise<string> | undefined;
    app.get(HUB_STYLESHEET, async (_request, reply) => {
      stylesheet ??= hubStylesheet();
      return reply
        .type("text/css; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .send(await stylesheet);
    });

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
      return page(
        request,
        reply,
        200,
        renderSpawnPage({ servicePrefix: options.servicePrefix, data, user: options.user, demo }),
        [jhdataScript(options.user)],
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
      const { problems, unchecked } = validateUserOptions(userOptions, options.profiles);
      const back = `<p><a href="/hub/spawn">Back to the spawn page</a></p>`;
      const shown = `<pre id="user-options">${escapeHtml(JSON.stringify(userOptions, null, 2))}</pre>`;
      if (problems.length > 0) {
        const list = problems.map((p) => `<li>${escapeHtml(p)}</li>`).join("");
        return page(
          request,
          reply,
          400,
          layout(
            "Spawn failed",
            `<h1>KubeSpawner would refuse this form</h1><ul id="problems">${list}</ul><p>user_options:</p>${shown}${back}`,
          ),
        );
      }
      savedUserOptions = userOptions;
      // validateUserOptions found the profile.
      const profile = options.profiles.find((p) => p.slug === userOptions.profile)!;
      const rows = chosenValues(profile, userOptions).map(
        (row) =>
          `<dt>${escapeHtml(row.label)}</dt><dd><code id="${escapeHtml(row.id)}">${escapeHtml(row.value)}</code></dd>`,
      );
      const project = userOptions[PROJECT_OPTION_KEY];
      if (project) {
        const imageOption = profile.profile_options.find((o) => o.dynamic_image_building?.enabled);
        await options.onProjectStart?.({
          user: options.user,
          projectId: project,
          image: imageOption ? userOptions[`${imageOption.key}--unlisted-choice`] : undefined,
        });
        // The glue's seed init container creates the folder in a hub; here it is a local folder.
        const folder = await createLocalProjectFolder(dataDir, options.user, project);
        rows.push(
          `<dt>Project</dt><dd><code>${escapeHtml(project)}</code>: the home folder (<code>/home/jovyan</code>) would be <code id="project-folder">${escapeHtml(folder)}</code>. In a hub the glue mounts <code>&lt;home subPath&gt;/projects/${escapeHtml(project)}</code> of the user's home volume there.</dd>`,
        );
      }
      const notes = unchecked.length
        ? `<p>Not checked by the demo:</p><ul id="unchecked">${unchecked.map((u) => `<li>${escapeHtml(u)}</li>`).join("")}</ul>`
        : "";
      return page(
        request,
        reply,
        200,
        layout(
          "Server options received",
          `<h1>Server options received</h1><p>In a real hub, KubeSpawner would now start a server with these options:</p><dl class="demo-result"><dt>Profile</dt><dd><code id="option-profile">${escapeHtml(profile.display_name)} (${escapeHtml(profile.slug)})</code></dd>${rows.join("")}</dl>${notes}<p>The user_options it receives:</p>${shown}${back}`,
        ),
      );
    });
    return Promise.resolve();
  };
}
