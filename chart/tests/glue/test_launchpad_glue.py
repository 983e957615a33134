"""The hub glue against the real KubeSpawner 7.1: forms it renders and pods it changes.

Pods come from KubeSpawner's own get_pod_manifest(), configured from z2jh values the way z2jh 4.3
and 2i2c's basehub chart configure it (e2e/hub/z2jh_singleuser.py) — for each z2jh storage type and
for each production hub in e2e/fixtures/real-hubs, with basehub's own modify_pod_hook — so the
mounts and init containers the glue meets are the real ones.
"""

import asyncio
import html as html_lib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "e2e" / "hub"))
REAL_HUBS = sorted((REPO / "e2e" / "fixtures" / "real-hubs").glob("*.values.yaml"))

import offline_kube  # noqa: E402, F401  (before kubespawner: no cluster)
import launchpad_glue  # noqa: E402
import z2jh_singleuser  # noqa: E402
from kubespawner import KubeSpawner  # noqa: E402
from traitlets.config import Config  # noqa: E402

PROJECT = "octave-03025a1b"


class User:
    def __init__(self, name, admin=False):
        self.name = name
        self.admin = admin
        self.id = 7
        self.url = f"/user/{name}/"


def run(coro):
    return asyncio.run(coro)


def make_spawner(c, user_options=None, name="alice", admin=False):
    spawner = KubeSpawner(config=c, _mock=True, user=User(name, admin))
    spawner.user_options = user_options or {}
    return spawner


async def pod_for(c, user_options, name="alice", admin=False):
    spawner = make_spawner(c, user_options, name, admin)
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    return await spawner.modify_pod_hook(spawner, pod)


IMAGE_PROFILE = {
    "display_name": "Build your own",
    "slug": "build",
    "kubespawner_override": {"environment": {"API_SECRET": "s3cret-value"}},
    "profile_options": {
        "image": {
            "display_name": "Image",
            "dynamic_image_building": {"enabled": True},
            "unlisted_choice": {
                "enabled": True,
                "display_name": "Custom image",
                "validation_regex": "^.+:.+$",
                "kubespawner_override": {"image": "{value}"},
            },
            "choices": {
                "base": {
                    "display_name": "Base",
                    "description": "The base image",
                    "kubespawner_override": {"image": "quay.io/base:1"},
                }
            },
        }
    },
}


def hub(values, profile_list=None, ownership_fix=True):
    """KubeSpawner configured from a values file's content as z2jh (and, for 2i2c's hubs, basehub
    with its own modify_pod_hook) configures it; the profile list replaced when given."""
    c = Config()
    singleuser, custom = z2jh_singleuser.singleuser_values(values, ownership_fix)
    z2jh_singleuser.configure(c, singleuser)
    if z2jh_singleuser.jupyterhub_values(values)[1]:
        c.KubeSpawner.modify_pod_hook = z2jh_singleuser.basehub_modify_pod_hook(custom)
    if profile_list is not None:
        c.KubeSpawner.profile_list = profile_list
    return c


def z2jh_dynamic():
    """z2jh's default storage, type dynamic: a claim per user or server, no subPath."""
    return hub({"singleuser": {}}, [IMAGE_PROFILE])


def z2jh_static():
    """z2jh storage type static: one shared claim, a subPath per user."""
    return hub({"singleuser": {"storage": {"type": "static", "static": {"pvcName": "homes"}}}}, [IMAGE_PROFILE])


def basehub(extra=None):
    """A hub on 2i2c's basehub chart with nothing of its own but `extra` (z2jh values)."""
    return {"jupyterhub": z2jh_singleuser.merge({"singleuser": {}}, extra or {})}


#: An admin's mount of the whole home volume, as 2i2c's hubs add it (nasa-veda's and openscapes'
#: custom.singleuserAdmin.extraVolumeMounts in e2e/fixtures/real-hubs).
ALLUSERS = {
    "custom": {
        "singleuserAdmin": {
            "extraVolumeMounts": {
                "01-allusers-volumemount": {"name": "home", "mountPath": "/home/jovyan/allusers"},
                "02-allusers-rstudio-volumemount": {"name": "home", "mountPath": "/home/rstudio/allusers"},
            }
        }
    }
}


def mounts(container):
    raw = launchpad_glue._to_json(container).get("volumeMounts", [])
    return [(m["mountPath"], m.get("subPath", "")) for m in raw]


def mount_table(pod):
    """{(container, mountPath): (volume, subPath, readOnly)} over every container and init container."""
    table = {}
    for container in launchpad_glue._to_json(pod.spec.containers + (pod.spec.init_containers or [])):
        for m in container.get("volumeMounts", []):
            table[(container["name"], m["mountPath"])] = (m["name"], m.get("subPath", ""), bool(m.get("readOnly")))
    return table


def init_by_name(pod):
    return {c["name"]: c for c in launchpad_glue._to_json(pod.spec.init_containers or [])}


def init_names(pod):
    return [c["name"] for c in launchpad_glue._to_json(pod.spec.init_containers or [])]


def seed_env(pod):
    return {e["name"]: e["value"] for e in init_by_name(pod)["launchpad-seed"]["env"]}


BUILT = {"profile": "build", "image--unlisted-choice": "registry.example/u-octave:abc"}


def built_image_options(c, image="registry.example/u-octave:abc"):
    """What the page posts to start a built image on the hub's first buildable profile."""
    for profile in launchpad_glue.public_profiles(c.KubeSpawner.profile_list):
        for option in profile["profile_options"]:
            if option.get("dynamic_image_building", {}).get("enabled"):
                return {"profile": profile["slug"], f"{option['key']}--unlisted-choice": image}
    raise AssertionError("no profile builds images")


# ------------------------------------------------------------------------------------------
# The form
# ------------------------------------------------------------------------------------------


def render(c, user_options=None):
    async def go():  # KubeSpawner builds its API client on the running loop
        return await c.KubeSpawner.options_form(make_spawner(c, user_options))

    return run(go())


async def load_user_options(c, user_options):
    """What KubeSpawner does with the list at the start of every spawn."""
    await make_spawner(c, user_options).load_user_options()


def spawn_data(html):
    start = html.index('id="launchpad-spawn-data">') + len('id="launchpad-spawn-data">')
    return json.loads(html[start : html.index("</script>", start)])


def test_form_carries_allow_listed_profiles_and_no_override():
    c = z2jh_dynamic()
    launchpad_glue.install(c)
    html = render(c, {"profile": "build"})
    data = spawn_data(html)
    assert data["version"] == launchpad_glue.CONTRACT_VERSION
    assert data["user"] == "alice" and data["server_name"] == ""
    assert data["user_options"] == {"profile": "build"}
    option = data["profiles"][0]["profile_options"][0]
    assert option["dynamic_image_building"] == {"enabled": True}
    assert option["unlisted_choice"]["validation_regex"] == "^.+:.+$"
    assert option["choices"] == [
        {"key": "base", "display_name": "Base", "default": True, "description": "The base image"}
    ]
    for leaked in ("s3cret-value", "API_SECRET", "kubespawner_override", "quay.io/base", "{value}"):
        assert leaked not in html


def test_admin_text_cannot_close_the_script_element():
    c = Config()
    c.KubeSpawner.profile_list = [
        {
            "display_name": "</script><script>window.__pwned=1</script>",
            "description": "<img src=x onerror=alert(1)> <!--",
        }
    ]
    launchpad_glue.install(c)
    html = render(c)
    script = html[: html.index("</script>")]
    assert "<script>window" not in script and "<img" not in script and "<!--" not in script
    profile = spawn_data(html)["profiles"][0]
    assert profile["display_name"] == "</script><script>window.__pwned=1</script>"
    assert profile["slug"] == "script-script-window-pwned-1-script"
    # The server-rendered form shows descriptions as text, names escaped.
    fallback = html[html.index('id="launchpad-root"') :]
    assert "<img" not in fallback and "&lt;/script&gt;" in fallback


def test_profile_list_as_dict_is_sorted_by_key_and_callable_is_awaited():
    c = Config()
    c.KubeSpawner.profile_list = {"b": {"display_name": "Second"}, "a": {"display_name": "First"}}
    launchpad_glue.install(c)
    data = spawn_data(render(c))
    assert [p["slug"] for p in data["profiles"]] == ["first", "second"]
    assert [p["default"] for p in data["profiles"]] == [True, False]

    async def profiles(spawner):
        return [{"display_name": f"For {spawner.user.name}", "slug": "mine"}]

    c = Config()
    c.KubeSpawner.profile_list = profiles
    launchpad_glue.install(c)
    data = spawn_data(render(c))
    assert data["profiles"][0]["display_name"] == "For alice"


def test_the_form_asks_for_the_pages_code_at_the_url_its_loader_imports():
    c = Config()
    c.KubeSpawner.profile_list = [{"display_name": "Small", "slug": "small"}]
    launchpad_glue.install(c)

    async def go(settings):
        spawner = make_spawner(c)
        spawner.user.settings = settings  # JupyterHub's User keeps the app's settings
        return await c.KubeSpawner.options_form(spawner)

    html = run(go({"base_url": "/jupyter/"}))
    # Fetched only (the import() compiles it once the form is drawn), in the import's request mode.
    preload = '<link rel="preload" as="script" crossorigin href="/jupyter/services/launchpad/static/launchpad.js">'
    assert html.startswith(preload)
    # The loader imports jhdata.prefix (the hub's base_url) + this path: the same URL, one fetch.
    assert '"services/launchpad/static/launchpad.js"' in html
    # A prefix the glue cannot trust to be a path is left out, and the loader still finds the page.
    for settings in ({}, {"base_url": 'x" onload="alert(1)'}):
        html = run(go(settings))
        assert 'rel="preload"' not in html and "import(" in html


class _Connection:
    """What a Tornado request handler needs of its HTTP connection, when nothing is sent."""

    def set_close_callback(self, callback):
        pass


def spawn_page_handler(static_path, finished=False, **settings):
    """A real Tornado handler for the spawn page, with the settings JupyterHub gives it."""
    from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
    from tornado.web import Application, RequestHandler

    app = Application([], static_path=str(static_path), static_url_prefix="/jupyter/hub/static/", **settings)
    start = RequestStartLine("GET", "/jupyter/hub/spawn", "HTTP/1.1")
    request = HTTPServerRequest(start_line=start, headers=HTTPHeaders({"Host": "hub.example"}), connection=_Connection())
    handler = RequestHandler(app, request)
    handler._finished = finished
    return handler


def hub_static_path():
    """The static files of the JupyterHub installed here, as the hub serves them."""
    from jupyterhub._data import DATA_FILES_PATH

    return Path(DATA_FILES_PATH) / "static"


def links_of(handler):
    return handler._headers.get_list("Link")


def spawn_page(c, handler, base_url="/jupyter/"):
    async def go():
        spawner = make_spawner(c)
        spawner.user.settings = {"base_url": base_url}
        spawner.handler = handler  # as JupyterHub's SpawnHandler does before it asks for the form
        return await c.KubeSpawner.options_form(spawner)

    return run(go())


def test_the_spawn_pages_answer_asks_at_once_for_what_its_first_frame_waits_for():
    c = Config()
    c.KubeSpawner.profile_list = [{"display_name": "Small", "slug": "small"}]
    launchpad_glue.install(c)
    handler = spawn_page_handler(hub_static_path())
    html = spawn_page(c, handler)
    # The installed hub's own stylesheet imports Font Awesome unversioned: both named, as the
    # stylesheet's relative URLs resolve, then the page's code in the form's own request mode.
    assert links_of(handler) == [
        "</jupyter/hub/static/components/@fortawesome/fontawesome-free/css/fontawesome.css>; rel=preload; as=style",
        "</jupyter/hub/static/components/@fortawesome/fontawesome-free/css/solid.css>; rel=preload; as=style",
        "</jupyter/services/launchpad/static/launchpad.js>; rel=preload; as=script; crossorigin",
    ]
    assert 'rel="preload" as="script" crossorigin href="/jupyter/services/launchpad/static/launchpad.js"' in html
    # With the glue's static handler serving them (install's default), the browser uses its copy
    # of the imports at once, and a preload would only fetch them on another request: the code only.
    handler = spawn_page_handler(hub_static_path(), static_handler_class=launchpad_glue.hub_static_handler_class())
    spawn_page(c, handler)
    assert links_of(handler) == ["</jupyter/services/launchpad/static/launchpad.js>; rel=preload; as=script; crossorigin"]


def test_preload_links_name_only_the_hubs_own_unversioned_files(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "components" / "x").mkdir(parents=True)
    for name in ("a.css", "b.css", "c d.css", "e>f.css"):
        (tmp_path / "components" / "x" / name).write_text("")
    (tmp_path / "outside.css").write_text("")
    (tmp_path / "css" / "style.min.css").write_text(
        '@import"../components/x/a.css";'
        "@import url( ../components/x/b.css );"
        '@import "../components/x/a.css";'  # twice: named once
        '@import "../components/x/a.css?v=1";'  # versioned: the hub caches it
        '@import "https://evil.example/x.css";'
        '@import "//evil.example/x.css";'
        '@import "/etc/passwd";'
        '@import "../../../../etc/passwd";'
        '@import "../components/x/missing.css";'
        '@import "../components/x/c d.css";'  # a space ends the URL the regex reads: missing
        '@import "../components/x/e>f.css";'  # cannot be put in a Link header as it is
        "body{}"
    )
    launchpad_glue._IMPORTS_CACHE.clear()
    assert launchpad_glue.hub_stylesheet_imports(str(tmp_path), "/hub/static/") == (
        "/hub/static/components/x/a.css",
        "/hub/static/components/x/b.css",
    )
    # No stylesheet, or no static directory at all: nothing named, nothing raised.
    assert launchpad_glue.hub_stylesheet_imports(str(tmp_path / "nowhere"), "/hub/static/") == ()
    assert launchpad_glue.hub_stylesheet_imports(None, None) == ()


def test_no_preload_links_without_a_live_handler_or_a_path_the_glue_trusts(tmp_path):
    c = Config()
    c.KubeSpawner.profile_list = [{"display_name": "Small", "slug": "small"}]
    launchpad_glue.install(c)
    # The handler answered already (a stale one): nothing is added to it.
    handler = spawn_page_handler(hub_static_path(), finished=True)
    spawn_page(c, handler)
    assert links_of(handler) == []
    # A hub without a stylesheet: the page's code only.
    handler = spawn_page_handler(tmp_path)
    spawn_page(c, handler)
    assert links_of(handler) == ["</jupyter/services/launchpad/static/launchpad.js>; rel=preload; as=script; crossorigin"]
    # A base URL that cannot go in a header as it is gets no Link (the form still loads the page).
    for base_url in ('/x" onload="alert(1)/', "/a>b/", "/a, </evil>; rel=preload/"):
        handler = spawn_page_handler(tmp_path)
        html = spawn_page(c, handler, base_url)
        assert links_of(handler) == [] and "import(" in html
    # No handler at all (a spawner asked for its form outside a request): the form as before.
    async def go():
        return await c.KubeSpawner.options_form(make_spawner(c))

    assert "import(" in run(go())


def static_answers(requests, settings=None):
    """``(status, Cache-Control)`` for each ``(path, headers)``, from a real Tornado server serving
    the installed hub's static files with the glue's handler, as the hub would (JupyterHub's own
    settings: static_path, static_url_prefix, static_handler_class)."""
    from tornado.httpclient import AsyncHTTPClient
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port
    from tornado.web import Application

    async def go():
        app = Application(
            [],
            static_path=str(hub_static_path()),
            static_url_prefix="/hub/static/",
            static_handler_class=launchpad_glue.hub_static_handler_class(),
            **(settings or {}),
        )
        sock, port = bind_unused_port()
        server = HTTPServer(app)
        server.add_sockets([sock])
        client = AsyncHTTPClient(force_instance=True)
        try:
            answers = []
            for path, headers in requests:
                response = await client.fetch(f"http://127.0.0.1:{port}{path}", headers=headers, raise_error=False)
                answers.append((response.code, response.headers.get("Cache-Control")))
            return answers
        finally:
            client.close()
            server.stop()

    return run(go())


FA_CSS = "/hub/static/components/@fortawesome/fontawesome-free/css/fontawesome.css"
FA_FONT = "/hub/static/components/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2"
SWR = f"max-age=0, stale-while-revalidate={7 * 24 * 3600}"


def test_the_hubs_vendored_files_are_used_from_the_browsers_copy_while_it_asks_again():
    later = "Wed, 01 Jan 2100 00:00:00 GMT"  # If-Modified-Since after the file's time: not modified
    answers = static_answers(
        [
            (FA_CSS, {}),
            (FA_FONT, {}),
            (FA_CSS, {"If-Modified-Since": later}),  # the background check keeps the header
            # Everything else as JupyterHub sends it: its own unversioned files no-cache, ...
            ("/hub/static/css/style.min.css", {}),
            ("/hub/static/favicon.ico", {}),
            # ... a path that only spells its way through components/ is not below it ...
            ("/hub/static/components/../css/style.min.css", {}),
            # ... versioned URLs cached for long by Tornado, and what is not there a 404.
            (FA_CSS + "?v=abc", {}),
            ("/hub/static/components/missing.css", {}),
        ]
    )
    assert answers == [
        (200, SWR),
        (200, SWR),
        (304, SWR),
        (200, "no-cache"),
        (200, "no-cache"),
        (200, "no-cache"),
        (200, "max-age=315360000"),
        (404, None),
    ]
    # An admin who asks for no caching of static files (JupyterHub's no_cache_static) gets it.
    assert static_answers([(FA_CSS, {})], {"no_cache_static": True}) == [(200, "no-cache")]


def test_install_serves_the_hubs_static_files_with_the_glues_handler_beside_the_admins_settings():
    handler_class = launchpad_glue.hub_static_handler_class()
    from jupyterhub.handlers.static import CacheControlStaticFilesHandler

    assert issubclass(handler_class, CacheControlStaticFilesHandler)
    # z2jh's own setting (slow_spawn_timeout) is kept beside it.
    c = Config()
    c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
    launchpad_glue.install(c)
    assert c.JupyterHub.tornado_settings == {"slow_spawn_timeout": 0, "static_handler_class": handler_class}
    # Nothing set before: the handler alone.
    c = Config()
    launchpad_glue.install(c)
    assert c.JupyterHub.tornado_settings == {"static_handler_class": handler_class}
    # Set by .update() before any assignment (a traitlets LazyConfigValue): merged.
    c = Config()
    c.JupyterHub.tornado_settings.update({"headers": {"X-Frame-Options": "DENY"}})
    launchpad_glue.install(c)
    assert c.JupyterHub.tornado_settings == {
        "headers": {"X-Frame-Options": "DENY"},
        "static_handler_class": handler_class,
    }
    # The admin's own handler class is left alone, in either form.
    c = Config()
    c.JupyterHub.tornado_settings = {"static_handler_class": CacheControlStaticFilesHandler}
    launchpad_glue.install(c)
    assert c.JupyterHub.tornado_settings == {"static_handler_class": CacheControlStaticFilesHandler}
    c = Config()
    c.JupyterHub.tornado_settings.update({"static_handler_class": CacheControlStaticFilesHandler})
    launchpad_glue.install(c)
    assert c.JupyterHub.tornado_settings.get_value({}) == {"static_handler_class": CacheControlStaticFilesHandler}


def test_the_form_comes_before_the_data_and_the_loader_after_both():
    # The browser draws the form while it still reads the data, and the page's code runs only
    # once the form is all there (the loader at the top ran it in the middle of a long list).
    c = Config()
    c.KubeSpawner.profile_list = [{"display_name": f"P{i}", "slug": f"p{i}"} for i in range(200)]
    launchpad_glue.install(c)

    async def go():
        return await c.KubeSpawner.options_form(make_spawner(c))

    html = run(go())
    form = html.index('<div id="launchpad-root"')
    start = html.index(">Start</button>")
    data = html.index('<script type="application/json" id="launchpad-spawn-data">')
    loader = html.index("import(")
    assert html.index("<style") < form < start < data < loader
    # Shown once its Start is parsed; a long list's rows out of view skip style and layout.
    assert ".lp-server:not(:has(>.lp-start)){display:none}" in html
    assert ".lp-row{content-visibility:auto;" in html


def test_no_profiles_means_no_form():
    c = Config()
    launchpad_glue.install(c)
    assert render(c) == ""


def test_a_profile_list_is_checked_and_projected_once_for_every_page_that_shows_it(monkeypatch):
    checked = []
    initialise = KubeSpawner._get_initialized_profile_list

    def counting(self, profile_list):
        checked.append(len(profile_list))
        return initialise(self, profile_list)

    monkeypatch.setattr(KubeSpawner, "_get_initialized_profile_list", counting)
    monkeypatch.setattr(launchpad_glue, "_LIST_CACHE", {}, raising=False)
    listed = [{"display_name": "Small", "slug": "small"}, {"display_name": "Large", "slug": "large"}]
    c = Config()
    c.KubeSpawner.profile_list = listed
    launchpad_glue.install(c)
    first = render(c, {"profile": "large"})
    # Another user (KubeSpawner gets its own copy of the list from traitlets), other saved options.
    second = render(c, {"profile": "small"})
    assert checked == [2]
    assert spawn_data(first)["user_options"] == {"profile": "large"}
    assert spawn_data(second)["profiles"] == spawn_data(first)["profiles"]
    assert 'value="small" checked' in second and 'value="large" checked' in first

    # A changed list, even a change JSON would not show (a list of choices is not a mapping of
    # them), is a new list: checked again, never an earlier list's form.
    listed.append({"display_name": "GPU", "slug": "gpu"})
    assert [p["slug"] for p in spawn_data(render(c))["profiles"]] == ["small", "large", "gpu"]
    assert checked == [2, 3]
    broken = [{"display_name": "Small", "slug": "small", "profile_options": {"size": {"choices": {"a": {}}}}}]
    c.KubeSpawner.profile_list = broken
    assert "launchpad-spawn-data" in render(c)
    broken[0]["profile_options"]["size"]["choices"] = [{}]
    assert launchpad_glue.ERROR_ELEMENT_ID in render(c)
    assert checked == [2, 3, 1, 1]


class _Browser(HTMLParser):
    """What a browser posts for a form: the named controls that are not disabled (a disabled
    fieldset disables all it holds), checked radios, each <select>'s selected option (else its
    first), text as typed. Just enough of the HTML form submission algorithm for this form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.controls = []  # [kind, name, value, checked/selected, disabled]
        self.select = None
        self.disabled_depth = 0
        self.fieldsets = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        disabled = "disabled" in a or any(self.fieldsets)
        if tag == "fieldset":
            self.fieldsets.append("disabled" in a)
        elif tag == "input" and "name" in a:
            kind = a.get("type", "text")
            self.controls.append([kind, a["name"], a.get("value", ""), "checked" in a, disabled])
        elif tag == "select":
            self.select = [a.get("name"), [], disabled]
        elif tag == "option" and self.select is not None:
            self.select[1].append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self.fieldsets.pop()
        elif tag == "select" and self.select is not None:
            name, options, disabled = self.select
            chosen = next((v for v, sel in options if sel), options[0][0] if options else "")
            self.controls.append(["select", name, chosen, True, disabled])
            self.select = None

    def set(self, name, value):
        """The user picks `value` for `name` (a radio group, a select, or types into a text field)."""
        for control in self.controls:
            if control[1] != name:
                continue
            if control[0] == "radio":
                control[3] = control[2] == value
            else:
                control[2] = value

    def form_data(self):
        data = {}
        for kind, name, value, on, disabled in self.controls:
            if disabled or (kind == "radio" and not on):
                continue
            data.setdefault(name, []).append(value)
        return data


def browser_for(html):
    form = html[html.index('<div id="launchpad-root"') : html.index('<script type="application/json"')]
    browser = _Browser()
    browser.feed(form)
    return browser


async def started_with(c, form_data, name="alice"):
    """KubeSpawner's own handling of a posted form: user_options, checks, the pod it would create."""
    spawner = make_spawner(c, name=name)
    spawner.user_options = spawner.options_from_form(form_data)
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    return spawner.user_options, pod.spec.containers[0]


TWO_PROFILES = [
    {"display_name": "Small", "slug": "small", "kubespawner_override": {"image": "quay.io/small:1"}},
    IMAGE_PROFILE,
    {
        "display_name": "Sized",
        "slug": "sized",
        "profile_options": {
            "memory": {
                "display_name": "Memory",
                "choices": {
                    f"m{n}": {"display_name": f"{n} GB", "default": n == 2, "kubespawner_override": {"mem_limit": f"{n}G"}}
                    for n in (1, 2, 4, 8, 16, 32)
                },
            }
        },
    },
]


def test_the_glue_lays_the_form_out_with_the_pages_own_thresholds_and_labels():
    """The page takes the server-rendered form over in place, so both switch from cards to a list
    and from radios to a list at the same counts, and name the build entry alike."""
    repo = HERE.parents[2]
    contract = (repo / "contract" / "spawn-page.ts").read_text()
    for name in ("MAX_RADIOS", "MAX_PROFILE_CARDS"):
        match = re.search(rf"^export const {name} = (\d+);$", contract, re.MULTILINE)
        assert match and int(match.group(1)) == getattr(launchpad_glue, name), name
    entries = (repo / "frontend" / "src" / "features" / "profiles" / "option-entries.ts").read_text()
    assert f'export const BUILD_CHOICE_LABEL = "{launchpad_glue.BUILD_CHOICE_LABEL}";' in entries


def test_the_server_rendered_form_starts_servers_without_any_script():
    """Before the page loads, or when it cannot: the form posts KubeSpawner's own fields."""
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = TWO_PROFILES
    launchpad_glue.install(c)
    html = render(c)
    # Nothing chosen: the default (first) profile. Every profile's fields are posted, as
    # KubeSpawner's own form.html posts them; it reads only the chosen profile's.
    assert browser_for(html).form_data()["profile"] == ["small"]
    user_options, notebook = run(started_with(c, browser_for(html).form_data()))
    assert user_options == {"profile": "small"} and notebook.image == "quay.io/small:1"

    # Another profile and a listed choice.
    browser = browser_for(html)
    browser.set("profile", "build")
    user_options, notebook = run(started_with(c, browser.form_data()))
    assert notebook.image == "quay.io/base:1"

    # "Other..." is the value "": KubeSpawner takes the free text...
    browser.set("profile-option-build--image", "")
    browser.set("profile-option-build--image--unlisted-choice", "me/img:2")
    user_options, notebook = run(started_with(c, browser.form_data()))
    assert user_options["image--unlisted-choice"] == "me/img:2" and notebook.image == "me/img:2"
    # ...or, left empty, the default choice: never the sentinel, never an error.
    browser.set("profile-option-build--image--unlisted-choice", "")
    user_options, notebook = run(started_with(c, browser.form_data()))
    assert notebook.image == "quay.io/base:1"

    # Six choices are a <select> until the page loads: its default is selected.
    browser.set("profile", "sized")
    user_options, notebook = run(started_with(c, browser.form_data()))
    assert user_options == {"profile": "sized", "memory": "m2"}
    browser.set("profile-option-sized--memory", "m16")
    user_options, notebook = run(started_with(c, browser.form_data()))
    assert notebook.resources.limits["memory"] == 16 * 2**30


def test_the_only_profile_shows_its_options_without_any_script():
    """One profile has no radio to be checked, and the form's style hides a card's options until
    its profile is chosen: its card is marked chosen (before, a hub with one profile showed only
    its name and Start while the page was not there)."""
    c = z2jh_dynamic()
    launchpad_glue.install(c)
    html = render(c)
    card = re.search(r'<div class="card mb-2 lp-card([^"]*)"><div class="card-body">(.*)', html, re.S)
    assert card is not None
    assert card.group(1) == " lp-selected"
    assert 'class="lp-options' in card.group(2) and 'name="profile-option-build--image"' in card.group(2)
    assert ".lp-server .lp-card:not(.lp-selected):not(" in launchpad_glue._FORM_STYLE


def test_the_server_rendered_form_preselects_saved_options_and_has_its_own_start():
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = TWO_PROFILES
    launchpad_glue.install(c)
    saved = {"profile": "build", "image--unlisted-choice": "me/img:1"}
    html = render(c, saved)
    browser = browser_for(html)
    data = browser.form_data()
    assert data["profile"] == ["build"]
    assert data["profile-option-build--image"] == [""]
    assert data["profile-option-build--image--unlisted-choice"] == ["me/img:1"]
    user_options, notebook = run(started_with(c, data))
    assert user_options == {"profile": "build", "image": "", "image--unlisted-choice": "me/img:1"}
    assert notebook.image == "me/img:1"
    # Building needs the page: the entry is there (so the page takes it over without a jump),
    # off, and posts nothing.
    assert 'id="lps-1-0-build" value="" disabled' in html
    assert html.count('type="submit"') == 1 and "lp-start" in html
    # The hub's own Start goes: the form's own sits where the page's will.
    assert "#spawn_form:has(#launchpad-root)>.feedback-container" in html


def test_saved_profile_that_no_longer_exists_falls_back_to_the_default():
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = [{"display_name": "Small", "slug": "small"}, IMAGE_PROFILE]
    launchpad_glue.install(c)
    html = render(c, {"profile": "gone", "image": "base"})
    assert browser_for(html).form_data()["profile"] == ["small"]


def test_many_profiles_carry_only_the_selected_profiles_options_and_the_list_once():
    profiles = [
        {
            "display_name": f"Course {i}",
            "slug": f"course-{i}",
            "description": f"Course number {i}",
            "profile_options": {
                "image": {
                    "display_name": "Image",
                    "choices": {f"c{j}": {"display_name": f"Choice {j}"} for j in range(10)},
                }
            },
        }
        for i in range(200)
    ]
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = profiles
    launchpad_glue.install(c)
    html = render(c, {"profile": "course-150", "image": "c7"})
    form = html[html.index('<div id="launchpad-root"') : html.index('<script type="application/json"')]
    # A filter (off until the page loads), every profile once as a row, one set of options.
    assert 'class="form-control mb-2 lp-filter lp-needs-page" disabled' in form
    assert form.count('name="profile"') == 200
    assert form.count("<select") == 1 and 'name="profile-option-course-150--image"' in form
    assert browser_for(html).form_data() == {
        "profile": ["course-150"],
        "profile-option-course-150--image": ["c7"],
    }
    # The JSON has the whole list; the HTML no longer repeats every profile's options.
    assert len(form) < len(spawn_data(html)["profiles"].__repr__())


def test_admin_text_in_the_server_rendered_form_is_text():
    c = Config()
    c.KubeSpawner.profile_list = [
        {"display_name": 'Evil <img src=x onerror="alert(1)">', "slug": "evil", "description": "<b>bold</b> <script>x</script>"},
        {
            "display_name": "Other",
            "profile_options": {
                "o": {
                    "display_name": "<svg onload=alert(1)>",
                    "choices": {'"><script>': {"display_name": "</label><script>alert(1)</script>"}},
                }
            },
        },
    ]
    launchpad_glue.install(c)
    html = render(c)
    form = html[html.index('<div id="launchpad-root"') : html.index('<script type="application/json"')]
    for raw in ("<img", "<script", "<svg", "<b>"):
        assert raw not in form
    assert "&lt;/label&gt;&lt;script&gt;" in form and "bold x" in form
    # An admin's odd choice key survives as the exact value KubeSpawner expects.
    browser = browser_for(html)
    browser.set("profile", "other")
    assert browser.form_data()["profile-option-other--o"] == ['"><script>']


# Lists KubeSpawner itself renders and starts, in shapes the glue's projection does not read.
KUBESPAWNER_ACCEPTS = {
    # YAML `b:` with nothing after it: KubeSpawner stops looking at choices once one is the default.
    "a choice left empty after the default": (
        [
            {
                "display_name": "Python",
                "slug": "python",
                "profile_options": {
                    "image": {
                        "display_name": "Image",
                        "choices": {
                            "a": {
                                "display_name": "A",
                                "default": True,
                                "kubespawner_override": {"image": "quay.io/a:1"},
                            },
                            "b": None,
                        },
                    }
                },
            }
        ],
        {},
    ),
}


def test_saved_options_that_are_not_strings_are_ignored_and_the_default_is_selected():
    """user_options set through the REST API (POST /users/:name/server takes any JSON object):
    the glue's form shows the default profile, as for a saved profile that no longer exists."""
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = [
        {"display_name": "Small", "slug": "small"},
        {"display_name": "Large", "slug": "large"},
    ]
    launchpad_glue.install(c)
    html = render(c, {"profile": ["large"]})
    assert 'id="launchpad-spawn-data"' in html
    assert spawn_data(html)["user_options"] == {"profile": ["large"]}
    assert browser_for(html).form_data()["profile"] == ["small"]


@pytest.mark.parametrize("case", sorted(KUBESPAWNER_ACCEPTS))
def test_a_list_kubespawner_accepts_but_the_glue_cannot_read_gets_kubespawners_own_form(
    case, caplog
):
    profile_list, saved = KUBESPAWNER_ACCEPTS[case]
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = profile_list
    launchpad_glue.install(c)
    with caplog.at_level("ERROR"):
        html = render(c, saved)
    # KubeSpawner's form.html (its radio per profile), not the glue's data and loader.
    assert 'id="launchpad-spawn-data"' not in html and "launchpad.js" not in html
    assert 'name="profile"' in html and 'value="python"' in html or 'value="small"' in html
    assert any(
        "showing KubeSpawner's own form" in r.getMessage() and r.exc_info for r in caplog.records
    )
    # ...and KubeSpawner starts the default from it, as without Launchpad.
    run(load_user_options(c, {}))


# Lists KubeSpawner fails on at every start (and the entry the page must name).
KUBESPAWNER_FAILS = {
    "choices given as a list": (
        {"image": {"display_name": "Image", "choices": [{"display_name": "A"}]}},
        "profile_list[0] ('Python'), profile_options['image']: choices is a list",
    ),
    "an option that is not a mapping": (
        {"image": "quay.io/a:1"},
        "profile_list[0] ('Python'), profile_options['image'] is a string",
    ),
    "profile_options left empty": (
        None,
        "profile_list[0] ('Python'): profile_options is empty (None)",
    ),
}


@pytest.mark.parametrize("case", sorted(KUBESPAWNER_FAILS))
def test_a_list_kubespawner_cannot_use_gets_a_page_naming_the_bad_entry(case, caplog):
    options, named = KUBESPAWNER_FAILS[case]
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = [
        {"display_name": "Small", "slug": "small"},
        {"display_name": "Python", "slug": "python", "profile_options": options},
    ]
    named = named.replace("profile_list[0]", "profile_list[1]")
    launchpad_glue.install(c)
    with caplog.at_level("ERROR"):
        html = render(c)
    assert html.startswith(f'<div id="{launchpad_glue.ERROR_ELEMENT_ID}"')
    assert html_lib.escape(named) in html
    assert "launchpad.js" not in html and 'name="profile"' not in html
    assert "form:has(#launchpad-profile-list-error) .feedback-container" in html
    assert any(named in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    # KubeSpawner itself fails every start on it, even of the other, valid profile.
    for saved in ({}, {"profile": "small"}):
        with pytest.raises(AttributeError):
            run(load_user_options(c, saved))


def test_a_profile_list_function_that_raises_gets_a_page_not_a_500(caplog):
    def profiles(spawner):
        raise RuntimeError("groups service down")

    c = Config()
    c.KubeSpawner.profile_list = profiles
    launchpad_glue.install(c)
    with caplog.at_level("ERROR"):
        html = render(c)
    assert "profile_list could not be read (RuntimeError: groups service down)" in html
    assert any(r.exc_info for r in caplog.records)


def test_admin_text_in_a_bad_entry_is_escaped():
    c = Config()
    c.KubeSpawner.profile_list = [
        {"display_name": "<img src=x onerror=alert(1)>", "profile_options": None}
    ]
    launchpad_glue.install(c)
    html = render(c)
    assert "<img" not in html and "&lt;img src=x" in html


# ------------------------------------------------------------------------------------------
# The pod
# ------------------------------------------------------------------------------------------


def test_without_a_project_the_pod_is_untouched_but_the_admin_hook_runs():
    c = z2jh_dynamic()

    def admin_hook(spawner, pod):
        pod.metadata.labels["admin-hook"] = "ran"
        return pod

    c.KubeSpawner.modify_pod_hook = admin_hook
    launchpad_glue.install(c)
    pod = run(pod_for(c, {"profile": "build"}))
    assert pod.metadata.labels["admin-hook"] == "ran"
    assert mounts(pod.spec.containers[0]) == [("/home/jovyan", "")]
    assert init_names(pod) == ["block-cloud-metadata"]
    assert not any(k.startswith("launchpad.jupyter.org/") for k in pod.metadata.annotations)
    assert not any(k.startswith("launchpad.jupyter.org/") for k in pod.metadata.labels)


def test_async_admin_hook_is_awaited_before_the_project_is_applied():
    c = z2jh_dynamic()

    async def admin_hook(spawner, pod):
        pod.metadata.labels["admin-hook"] = "async"
        return pod

    c.KubeSpawner.modify_pod_hook = admin_hook
    launchpad_glue.install(c)
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert pod.metadata.labels["admin-hook"] == "async"
    assert pod.metadata.annotations["launchpad.jupyter.org/project-id"] == PROJECT


def test_claim_per_user_home_is_narrowed_to_the_project_folder():
    c = z2jh_dynamic()
    launchpad_glue.install(c)
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    notebook = pod.spec.containers[0]
    assert notebook.image == "registry.example/u-octave:abc"
    assert mounts(notebook) == [("/home/jovyan", f"projects/{PROJECT}")]
    annotations = pod.metadata.annotations
    assert json.loads(annotations["launchpad.jupyter.org/home-volume"]) == {
        "persistentVolumeClaim": {"claimName": "claim-alice"}
    }
    assert annotations["launchpad.jupyter.org/home-subpath"] == ""
    assert annotations["launchpad.jupyter.org/home-mount-path"] == "/home/jovyan"
    seed = init_by_name(pod)["launchpad-seed"]
    assert seed["image"] == "registry.example/u-octave:abc"
    # The seed sees the home root, not the project folder, so it can create the folder itself.
    assert seed["volumeMounts"] == [{"name": "volume-alice", "mountPath": "/launchpad/home"}]
    assert seed["securityContext"]["runAsNonRoot"] is True
    assert seed["securityContext"]["runAsUser"] == 1000
    assert seed["securityContext"]["runAsGroup"] == 100
    env = seed_env(pod)
    assert env["LAUNCHPAD_PROJECT_ID"] == PROJECT and env["LAUNCHPAD_HOME_MOUNTS"] == "/home/jovyan"
    # The seed runs the user's own image: only after z2jh's cloud metadata block.
    assert init_names(pod) == ["block-cloud-metadata", "launchpad-seed"]


def test_shared_volume_with_user_subpath_is_narrowed_below_the_user_folder():
    c = z2jh_static()
    launchpad_glue.install(c)
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert mounts(pod.spec.containers[0]) == [("/home/jovyan", f"alice/projects/{PROJECT}")]
    assert pod.metadata.annotations["launchpad.jupyter.org/home-subpath"] == "alice"
    seed = init_by_name(pod)["launchpad-seed"]
    assert seed["volumeMounts"][0]["subPath"] == "alice"


def test_the_pod_carries_launchpads_labels_for_user_and_project_whatever_the_hooks_did():
    """The companion finds project pods by these (server/src/kubernetes/metadata.ts labelHash),
    not by KubeSpawner's username label, which KubeSpawner 6 escaped, 7.1 slugs and hashes, and
    admins' hooks change or drop (the values here are SHA-256 by coreutils' sha256sum)."""
    c = z2jh_dynamic()

    def admin_hook(spawner, pod):
        del pod.metadata.labels["hub.jupyter.org/username"]
        pod.metadata.labels["component"] = "admins-own"
        return pod

    c.KubeSpawner.modify_pod_hook = admin_hook
    launchpad_glue.install(c)
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}, name="bob.smith@example.org"))
    assert pod.metadata.labels["launchpad.jupyter.org/user"] == "91265dd04963dc7d22f987417f835587713411a1"
    assert pod.metadata.labels["launchpad.jupyter.org/project"] == "4a31e12cc0e17f4470e476aa0d8f8de22fe3ce33"
    assert pod.metadata.annotations["launchpad.jupyter.org/user"] == "bob.smith@example.org"
    assert "hub.jupyter.org/username" not in pod.metadata.labels


def test_a_basehub_pod_narrows_every_home_mount_and_leaves_shared_and_admin_mounts():
    """The pod 2i2c's basehub makes for an admin: the NFS home at /home/jovyan and /home/rstudio,
    `_shared` read-only under both and writable in the admin's `shared-readwrite`, the admin's
    whole-volume `allusers`, basehub's root `volume-mount-ownership-fix` (which mounts the home with
    the home's subPath), z2jh's `block-cloud-metadata` and basehub's `block-nfs-access`."""
    c = hub(basehub(ALLUSERS), [IMAGE_PROFILE])
    launchpad_glue.install(c)
    name = "Bob.Smith@example.org"
    before = mount_table(run(pod_for(c, BUILT, name=name, admin=True)))
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}, name=name, admin=True))
    after = mount_table(pod)
    escaped = pod.metadata.annotations["launchpad.jupyter.org/home-subpath"]
    assert escaped and escaped != name  # KubeSpawner's {escaped_username}

    # The shape is basehub's, as upstream builds it.
    assert init_names(pod) == [
        "volume-mount-ownership-fix",
        "block-cloud-metadata",
        "block-nfs-access",
        "launchpad-seed",
    ]
    assert before[("notebook", "/home/jovyan")] == ("home", escaped, False)
    assert before[("notebook", "/home/rstudio")] == ("home", escaped, False)
    assert before[("notebook", "/home/jovyan/shared")] == ("home", "_shared", True)
    assert before[("notebook", "/home/rstudio/shared")] == ("home", "_shared", True)
    assert before[("notebook", "/home/jovyan/shared-readwrite")] == ("home", "_shared", False)
    assert before[("notebook", "/home/jovyan/allusers")] == ("home", "", False)
    assert before[("volume-mount-ownership-fix", "/home/jovyan")] == ("home", escaped, False)
    assert before[("volume-mount-ownership-fix", "/home/jovyan/shared")] == ("home", "_shared", False)

    narrowed = f"{escaped}/projects/{PROJECT}"
    for where, (volume, sub_path, read_only) in before.items():
        expected = (volume, narrowed if (volume, sub_path) == ("home", escaped) else sub_path, read_only)
        assert after[where] == expected, where
    assert {w for w in after if w not in before} == {("launchpad-seed", "/launchpad/home")}
    assert after[("launchpad-seed", "/launchpad/home")] == ("home", escaped, False)
    assert sorted(w for w, m in after.items() if m[1] == narrowed) == [
        ("notebook", "/home/jovyan"),
        ("notebook", "/home/rstudio"),
        ("volume-mount-ownership-fix", "/home/jovyan"),
    ]
    # In the notebook container's order (KubeSpawner sorts volume_mounts by key: "003-rstudio-…"
    # before z2jh's "home").
    assert seed_env(pod)["LAUNCHPAD_HOME_MOUNTS"] == "/home/rstudio\n/home/jovyan"
    assert pod.metadata.annotations["launchpad.jupyter.org/home-mount-path"] == "/home/rstudio"
    assert json.loads(pod.metadata.annotations["launchpad.jupyter.org/home-volume"]) == {
        "persistentVolumeClaim": {"claimName": "home-nfs"}
    }


@pytest.mark.parametrize("fixture", REAL_HUBS, ids=lambda p: p.name.split(".")[0])
@pytest.mark.parametrize("admin", [False, True], ids=["user", "admin"])
def test_each_real_hub_starts_a_project_with_every_home_mount_narrowed(fixture, admin):
    """Each production hub's own values (storage, admin mounts, cloud metadata setting, profile
    list) on basehub and z2jh's defaults, through real KubeSpawner and basehub's hook."""
    values = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    c = hub(values)
    launchpad_glue.install(c)
    options = built_image_options(c)
    name = "Ana.María@example.org"
    before = mount_table(run(pod_for(c, options, name=name, admin=admin)))
    pod = run(pod_for(c, {**options, "launchpad-project": PROJECT}, name=name, admin=admin))
    after = mount_table(pod)
    home = before[("notebook", "/home/jovyan")]
    narrowed = f"{home[1]}/projects/{PROJECT}"
    for where, (volume, sub_path, read_only) in before.items():
        expected = (volume, narrowed if (volume, sub_path) == home[:2] else sub_path, read_only)
        assert after[where] == expected, where
    homes = sorted(w for w, m in after.items() if m[1] == narrowed)
    assert ("notebook", "/home/jovyan") in homes and ("notebook", "/home/rstudio") in homes
    assert ("volume-mount-ownership-fix", "/home/jovyan") in homes
    untouched = [m for w, m in after.items() if m[0] == "home" and m[1] != narrowed and w[0] != "launchpad-seed"]
    assert ("home", "_shared", True) in untouched
    if admin:
        assert ("home", "_shared", False) in untouched  # basehub's shared-readwrite, for admins
    names = init_names(pod)
    assert names.index("launchpad-seed") > names.index("block-nfs-access")
    assert names.index("launchpad-seed") > names.index("volume-mount-ownership-fix")
    assert ("block-cloud-metadata" in names) == (fixture.name.startswith("projectpythia"))
    assert seed_env(pod)["LAUNCHPAD_HOME_MOUNTS"] == "/home/rstudio\n/home/jovyan"


def test_an_rstudio_image_is_seeded_from_its_own_home():
    """A rocker image (nasa-veda's "Rocker Geospatial with RStudio" choice) on basehub: the seed is
    told both home paths and picks the image's own home when it runs (see the seed tests below)."""
    values = yaml.safe_load((REPO / "e2e/fixtures/real-hubs/nasa-veda-common.values.yaml").read_text())
    c = hub(values)
    launchpad_glue.install(c)
    options = {**built_image_options(c), "launchpad-project": PROJECT}
    options["image--unlisted-choice"] = "mas.maap-project.org/root/maap-workspaces/2i2c/r-base:v6.0.0"
    pod = run(pod_for(c, options))
    seed = init_by_name(pod)["launchpad-seed"]
    assert seed["image"] == "mas.maap-project.org/root/maap-workspaces/2i2c/r-base:v6.0.0"
    assert seed_env(pod)["LAUNCHPAD_HOME_MOUNTS"] == "/home/rstudio\n/home/jovyan"
    assert "workingDir" not in seed and "HOME" not in seed_env(pod)


def test_the_seed_runs_after_every_init_container_that_may_run_privileged():
    values = yaml.safe_load((REPO / "e2e/fixtures/real-hubs/nasa-veda-common.values.yaml").read_text())
    c = hub(values)
    launchpad_glue.install(c)
    # The "Modified Pangeo Notebook" choice replaces init_containers with a gitpuller (uid 1000);
    # basehub's hook appends block-nfs-access after it.
    profile = built_image_options(c)["profile"]
    pod = run(pod_for(c, {"profile": profile, "image": "01-modify-pangeo", "launchpad-project": PROJECT}))
    assert init_names(pod) == ["jupyterhub-gitpuller-init", "block-nfs-access", "launchpad-seed"]
    escaped = pod.metadata.annotations["launchpad.jupyter.org/home-subpath"]
    gitpuller = init_by_name(pod)["jupyterhub-gitpuller-init"]
    assert mounts(gitpuller) == [("/home/jovyan", f"{escaped}/projects/{PROJECT}")]

    # An admin's unprivileged init container after the privileged ones runs after the seed; one
    # that names no user may run as root, so the seed waits for it.
    puller = {**gitpuller, "volumeMounts": [{"name": "home", "mountPath": "/home/jovyan", "subPath": "{username}"}]}
    no_user = {"name": "no-user", "image": "busybox:1.37", "command": ["true"]}
    for init, expected in (
        ([z2jh_singleuser.VOLUME_MOUNT_OWNERSHIP_FIX, puller], ["volume-mount-ownership-fix", "launchpad-seed", "jupyterhub-gitpuller-init"]),
        ([puller, no_user], ["jupyterhub-gitpuller-init", "no-user", "launchpad-seed"]),
    ):
        plain = {"singleuser": {"cloudMetadata": {"blockWithIptables": False}, "initContainers": init, "storage": {"type": "static", "static": {"pvcName": "home"}}}}
        c = hub(plain, [IMAGE_PROFILE])
        launchpad_glue.install(c)
        assert init_names(run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))) == expected


def test_a_home_named_by_the_admin_narrows_all_its_mounts():
    c = hub(basehub(), [IMAGE_PROFILE])
    launchpad_glue.install(c, home_mount_path="/home/rstudio/")
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    homes = [p for p, s in mounts(pod.spec.containers[0]) if s.endswith(f"/projects/{PROJECT}")]
    assert homes == ["/home/rstudio", "/home/jovyan"]
    c = hub(basehub(), [IMAGE_PROFILE])
    launchpad_glue.install(c, home_volume_name="home")
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    homes = [p for p, s in mounts(pod.spec.containers[0]) if s.endswith(f"/projects/{PROJECT}")]
    assert homes == ["/home/rstudio", "/home/jovyan"]


def test_two_different_homes_are_refused_with_both_named():
    c = hub(basehub({"singleuser": {"storage": {"extraVolumeMounts": {"003-rstudio-volumemount": {"subPath": "{escaped_username}-r"}}}}}), [IMAGE_PROFILE])
    launchpad_glue.install(c)
    with pytest.raises(launchpad_glue.ProjectRefused, match="several different home mounts") as refused:
        run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert "/home/jovyan (volume 'home', subPath 'alice')" in str(refused.value)
    assert "/home/rstudio (volume 'home', subPath 'alice-r')" in str(refused.value)
    assert "projects.home.mountPath" in str(refused.value)
    assert_shown_by_the_hub(refused.value, 409, "several different home mounts")


@pytest.mark.parametrize(
    "bad", ["../etc", "Octave", "a/b", "a" * 81, "-lead", "trail-", "a b", "a\nb", ["x"]]
)
def test_invalid_project_ids_stop_the_spawn(bad):
    c = z2jh_dynamic()
    launchpad_glue.install(c)
    with pytest.raises(launchpad_glue.ProjectRefused, match="project id is not valid") as refused:
        run(pod_for(c, {**BUILT, "launchpad-project": bad}))
    assert_shown_by_the_hub(refused.value, 400, "the project id is not valid")


def assert_shown_by_the_hub(error, status, text):
    """What JupyterHub needs to show the reason: an HTTPError (it passes a first-second failure
    through) with jupyterhub_message (the failed-spawn page shows only that), as the hub reads it."""
    from jupyterhub.utils import format_exception
    from tornado import web

    assert isinstance(error, web.HTTPError) and error.status_code == status
    message, _html = format_exception(error, only_jupyterhub=True)
    assert text in message
    assert text in str(error)  # the hub's log line


def test_a_hub_without_a_home_volume_gets_a_clear_error():
    c = hub({"singleuser": {"storage": {"type": "none"}}}, [IMAGE_PROFILE])
    launchpad_glue.install(c)
    with pytest.raises(launchpad_glue.ProjectRefused) as refused:
        run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert_shown_by_the_hub(
        refused.value, 409, "a writable home volume mount directly below /home"
    )


def test_homes_elsewhere_are_named_by_the_admin():
    values = {"singleuser": {"storage": {"homeMountPath": "/srv/data"}}}
    c = hub(values, [IMAGE_PROFILE])
    launchpad_glue.install(c)
    with pytest.raises(launchpad_glue.ProjectRefused, match="projects.home.mountPath"):
        run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    c = hub(values, [IMAGE_PROFILE])
    launchpad_glue.install(c, home_mount_path="/srv/data/")
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert mounts(pod.spec.containers[0]) == [("/srv/data", f"projects/{PROJECT}")]
    # KubeSpawner's templates, as in volume_mounts.
    c = hub({"singleuser": {"storage": {"homeMountPath": "/srv/{username}"}}}, [IMAGE_PROFILE])
    launchpad_glue.install(c, home_mount_path="/srv/{username}")
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert mounts(pod.spec.containers[0]) == [("/srv/alice", f"projects/{PROJECT}")]


# ------------------------------------------------------------------------------------------
# The seed script, run for real on a local folder
# ------------------------------------------------------------------------------------------


def seed(tmp_path, image_home, project=PROJECT, mounts=None, home=None, cwd=None):
    """Runs the seed script with `tmp_path/image` standing for the image's file system."""
    env = {
        "PATH": os.environ["PATH"],
        "LAUNCHPAD_PROJECT_ID": project,
        "LAUNCHPAD_HOME_ROOT": str(tmp_path / "home-root"),
        "LAUNCHPAD_HOME_MOUNTS": "\n".join(str(m) for m in (mounts or [image_home])),
        "LAUNCHPAD_MARKER": launchpad_glue.SEED_MARKER,
    }
    if home is not None:
        env["HOME"] = str(home)
    (tmp_path / "home-root").mkdir(exist_ok=True)
    return subprocess.run(
        ["/bin/sh", "-c", launchpad_glue.SEED_SCRIPT],
        env=env,
        cwd=cwd or tmp_path,
        capture_output=True,
        text=True,
    )


def test_seed_copies_the_image_home_once_and_never_overwrites(tmp_path):
    image_home = tmp_path / "image-home"
    (image_home / ".config").mkdir(parents=True)
    (image_home / "README.md").write_text("from the image")
    (image_home / ".config" / "rc").write_text("dotfile")
    assert seed(tmp_path, image_home).returncode == 0
    project = tmp_path / "home-root" / "projects" / PROJECT
    assert (project / "README.md").read_text() == "from the image"
    assert (project / ".config" / "rc").read_text() == "dotfile"
    assert (project / launchpad_glue.SEED_MARKER).exists()

    # The user's work survives the next start, even if the image changed.
    (project / "README.md").write_text("my notes")
    (image_home / "README.md").write_text("new image")
    (image_home / "new-file").write_text("x")
    result = seed(tmp_path, image_home)
    assert result.returncode == 0 and "already seeded" in result.stdout
    assert (project / "README.md").read_text() == "my notes"
    assert not (project / "new-file").exists()


def image_with_two_homes(tmp_path):
    """An image's /home/jovyan and /home/rstudio, as the pod's two home mounts name them."""
    jovyan, rstudio = tmp_path / "image/home/jovyan", tmp_path / "image/home/rstudio"
    for home in (jovyan, rstudio):
        home.mkdir(parents=True)
        (home / "whose").write_text(home.name)
    return jovyan, rstudio


def seeded(tmp_path):
    return (tmp_path / "home-root" / "projects" / PROJECT / "whose").read_text()


def test_seed_copies_the_home_mount_at_the_images_home(tmp_path):
    """A rocker image (HOME=/home/rstudio) seeds from /home/rstudio, though /home/jovyan comes first."""
    jovyan, rstudio = image_with_two_homes(tmp_path)
    result = seed(tmp_path, None, mounts=[jovyan, rstudio], home=f"{rstudio}/")
    assert result.returncode == 0, result.stderr
    assert seeded(tmp_path) == "rstudio"


def test_seed_falls_back_to_the_home_mount_holding_the_working_directory(tmp_path):
    jovyan, rstudio = image_with_two_homes(tmp_path)
    (rstudio / "work").mkdir()
    result = seed(tmp_path, None, mounts=[jovyan, rstudio], home="/root", cwd=rstudio / "work")
    assert result.returncode == 0, result.stderr
    assert seeded(tmp_path) == "rstudio"


def test_seed_falls_back_to_the_first_home_mount_the_image_has(tmp_path):
    _, rstudio = image_with_two_homes(tmp_path)
    missing = tmp_path / "image/home/jovyan-not-in-image"
    result = seed(tmp_path, None, mounts=[missing, rstudio], home="/root")
    assert result.returncode == 0, result.stderr
    assert seeded(tmp_path) == "rstudio"
    empty = seed(tmp_path, None, project="other-1", mounts=[missing], home="/root")
    assert empty.returncode == 0 and "starts empty" in empty.stdout
    assert (tmp_path / "home-root/projects/other-1" / launchpad_glue.SEED_MARKER).exists()


def test_a_half_finished_seed_is_completed_without_overwriting(tmp_path):
    image_home = tmp_path / "image-home"
    image_home.mkdir()
    (image_home / "a").write_text("image a")
    (image_home / "b").write_text("image b")
    project = tmp_path / "home-root" / "projects" / PROJECT
    project.mkdir(parents=True)
    (project / "a").write_text("already copied, then edited")  # no marker: the copy was cut
    assert seed(tmp_path, image_home).returncode == 0
    assert (project / "a").read_text() == "already copied, then edited"
    assert (project / "b").read_text() == "image b"
    assert (project / launchpad_glue.SEED_MARKER).exists()


def test_seed_refuses_an_id_that_could_leave_the_projects_folder(tmp_path):
    result = seed(tmp_path, tmp_path, project="../../etc")
    assert result.returncode == 1 and "invalid project id" in result.stderr
    assert not (tmp_path / "home-root" / "projects").exists()


def test_spawn_data_says_whether_the_hub_has_named_servers():
    """hub_facts reads the hub's own settings off the user (JupyterHub's User.settings)."""
    import jupyterhub

    c = z2jh_dynamic()
    launchpad_glue.install(c)

    def form(settings=None):
        async def go():  # KubeSpawner builds its API client on the running loop
            spawner = make_spawner(c, {})
            if settings is not None:
                spawner.user.settings = settings
                spawner.user.allow_named_servers = settings.get("allow_named_servers", False)
            return await c.KubeSpawner.options_form(spawner)

        return spawn_data(run(go()))["hub"]

    def with_settings(**settings):
        return form(settings)

    assert with_settings() == {
        "version": jupyterhub.__version__,
        "named_servers": False,
        "named_server_limit": 0,
    }
    assert with_settings(allow_named_servers=True, named_server_limit_per_user=3)["named_servers"] is True
    assert with_settings(allow_named_servers=True, named_server_limit_per_user=3)["named_server_limit"] == 3
    # A callable limit depends on the request handler: unknown to the page.
    callable_limit = with_settings(allow_named_servers=True, named_server_limit_per_user=lambda h: 2)
    assert callable_limit["named_server_limit"] is None
    # A user object without the hub's settings (a test double, an older hub): no named servers.
    assert form()["named_servers"] is False


class OrmSpawner:
    """What KubeSpawner reads of JupyterHub's orm.Spawner when it names a server's pod and claim."""

    def __init__(self, name):
        self.name = name
        self.server = None
        self.state = None


def test_two_named_servers_each_mount_their_own_project():
    """Each named server is its own KubeSpawner with its own user_options
    (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/user.py#L494-L530, _new_spawner: one Spawner per
    orm.Spawner), so the project comes from that server's options, never another server's."""
    c = z2jh_dynamic()
    launchpad_glue.install(c)

    async def pod_of(server_name, project):
        spawner = KubeSpawner(config=c, _mock=True, user=User("alice"), orm_spawner=OrmSpawner(server_name))
        spawner.user_options = {**BUILT, "launchpad-project": project}
        await spawner.load_user_options()
        return await spawner.modify_pod_hook(spawner, await spawner.get_pod_manifest())

    first = run(pod_of("p-octave-03025-ae58dcbd", PROJECT))
    second = run(pod_of("p-other-11111111", "other-11111111"))
    assert mounts(first.spec.containers[0]) == [("/home/jovyan", f"projects/{PROJECT}")]
    assert mounts(second.spec.containers[0]) == [("/home/jovyan", "projects/other-11111111")]
    assert first.metadata.annotations["launchpad.jupyter.org/project-id"] == PROJECT
    assert second.metadata.annotations["launchpad.jupyter.org/project-id"] == "other-11111111"
    # KubeSpawner's default pvc_name_template (claim-{user_server}) gives each named server its own
    # claim: the glue records the one the pod really mounts, so the companion deletes from it.
    volume = lambda pod: json.loads(pod.metadata.annotations["launchpad.jupyter.org/home-volume"])  # noqa: E731
    assert volume(first) == {"persistentVolumeClaim": {"claimName": "claim-alice--p-octave-03025-ae58dcbd"}}
    assert volume(second) == {"persistentVolumeClaim": {"claimName": "claim-alice--p-other-11111111"}}


def test_an_admin_can_keep_projects_in_the_pages_own_server_on_a_hub_with_named_servers():
    c = z2jh_dynamic()
    launchpad_glue.install(c, project_servers=False)

    async def go():
        spawner = make_spawner(c, {})
        spawner.user.settings = {"allow_named_servers": True}
        spawner.user.allow_named_servers = True
        return await c.KubeSpawner.options_form(spawner)

    assert spawn_data(run(go()))["hub"]["named_servers"] is False


# --- The seed step on the hub's pending page ---------------------------------------------------


def kubelet_event(pod, uid, reason, message, field_path=None, type_="Normal", second=0):
    """A core/v1 Event as the API server serialises the kubelet's (server/test-support/kube/pod-events.ts)."""
    involved = {"apiVersion": "v1", "kind": "Pod", "namespace": "e2e", "name": pod, "uid": uid}
    if field_path:
        involved["fieldPath"] = field_path
    return {
        "metadata": {"name": f"{pod}.{second:x}", "namespace": "e2e", "uid": f"event-{reason}-{second}"},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": type_,
        "source": {"component": "kubelet", "host": "node"},
        "firstTimestamp": f"2026-12-02T04:00:{second:02d}Z",
        "lastTimestamp": f"2026-12-02T04:00:{second:02d}Z",
        "eventTime": None,
        "count": 1,
    }


SEED = "spec.initContainers{launchpad-seed}"
NOTEBOOK = "spec.containers{notebook}"


def started_pod_events(pod="jupyter-alice", uid="u1"):
    return [
        kubelet_event(pod, uid, "Pulled", 'Container image "quay.io/jupyterhub/k8s-network-tools:4.2.0" already present on machine', "spec.initContainers{block-cloud-metadata}", second=1),
        kubelet_event(pod, uid, "Started", "Started container block-cloud-metadata", "spec.initContainers{block-cloud-metadata}", second=2),
        kubelet_event(pod, uid, "Pulling", 'Pulling image "registry.example/r/octave:abc"', SEED, second=3),
        kubelet_event(pod, uid, "Created", "Created container: launchpad-seed", SEED, second=4),
        kubelet_event(pod, uid, "Started", "Started container launchpad-seed", SEED, second=5),
        kubelet_event(pod, uid, "Created", "Created container: notebook", NOTEBOOK, second=6),
        kubelet_event(pod, uid, "Started", "Started container notebook", NOTEBOOK, second=7),
    ]


class FakeEventReflector:
    """What KubeSpawner's progress() reads of its shared EventReflector: ``events``, oldest first."""

    def __init__(self, events):
        self.events = events


async def pending_page_events(c, events, user_options=None, name="alice"):
    """The dicts the hub would send the pending page: the real KubeSpawner.progress() over
    ``events`` (its own filter by pod name, message format and progress), after the glue's install."""
    spawner = make_spawner(c, user_options, name)
    spawner.events_enabled = True

    async def no_watch(replace=False):
        return None

    spawner._start_watching_events = no_watch
    key = spawner._get_reflector_key("events")
    before = KubeSpawner.reflectors.get(key)
    KubeSpawner.reflectors[key] = FakeEventReflector(events)
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)
    spawner._start_future = done
    try:
        return [event async for event in spawner.progress()]
    finally:
        if before is None:
            KubeSpawner.reflectors.pop(key, None)
        else:
            KubeSpawner.reflectors[key] = before


def seed_config():
    c = Config()
    launchpad_glue.install(c)
    return c


def test_pending_page_tells_the_seed_step_in_words_and_passes_every_other_event_unchanged():
    c = seed_config()
    sent = run(pending_page_events(c, started_pod_events(), {"launchpad-project": PROJECT}))
    messages = [e["message"] for e in sent]
    folder = f"projects/{PROJECT}"
    assert messages == [
        '2026-12-02T04:00:01Z [Normal] Container image "quay.io/jupyterhub/k8s-network-tools:4.2.0" already present on machine',
        "2026-12-02T04:00:02Z [Normal] Started container block-cloud-metadata",
        '2026-12-02T04:00:03Z [Normal] Pulling image "registry.example/r/octave:abc"',
        f"2026-12-02T04:00:04Z [Normal] Preparing your project: its folder is {folder}.",
        f"2026-12-02T04:00:05Z [Normal] Preparing your project: copying its files into {folder} (files already there are kept)…",
        f"2026-12-02T04:00:06Z [Normal] Your project's files are ready in {folder}.",
        "2026-12-02T04:00:06Z [Normal] Created container: notebook",
        "2026-12-02T04:00:07Z [Normal] Started container notebook",
    ]
    # KubeSpawner's dict contract: progress and the raw event stay (the ready line has no event),
    # and nothing claims the spawn is ready (the hub strips 'ready'; the glue never sets it).
    assert [e.get("progress") for e in sent] == [30, 50, 63, 72, 78, 82, 82, 84]
    assert [e.get("raw_event", {}).get("reason") for e in sent] == [
        "Pulled", "Started", "Pulling", "Created", "Started", None, "Created", "Started",
    ]
    assert not any("ready" in e or "failed" in e for e in sent)


def test_pending_page_without_the_glue_shows_kubespawner_own_lines():
    """The test above fails on KubeSpawner's own progress: its seed lines are the kubelet's."""
    spawner_progress = KubeSpawner.progress
    original = getattr(spawner_progress, "__wrapped__", spawner_progress)
    KubeSpawner.progress = original
    try:
        sent = run(pending_page_events(Config(), started_pod_events(), {"launchpad-project": PROJECT}))
    finally:
        KubeSpawner.progress = spawner_progress
    assert "2026-12-02T04:00:05Z [Normal] Started container launchpad-seed" in [e["message"] for e in sent]


def test_pending_page_says_clearly_when_the_seed_fails():
    c = seed_config()
    events = started_pod_events()[:5] + [
        kubelet_event("jupyter-alice", "u1", "BackOff", "Back-off restarting failed container launchpad-seed in pod jupyter-alice_e2e(u1)", SEED, "Warning", second=9),
    ]
    sent = run(pending_page_events(c, events, {"launchpad-project": PROJECT}))
    last = sent[-1]["message"]
    assert last.startswith("2026-12-02T04:00:09Z [Warning] Preparing your project failed: its files could not be copied into ")
    assert f"projects/{PROJECT}" in last and "launchpad-seed" in last
    assert not any("are ready" in e["message"] for e in sent)
    failed = kubelet_event("jupyter-alice", "u1", "Failed", "Error: exec: no such file", SEED, "Warning", second=9)
    sent = run(pending_page_events(c, started_pod_events()[:4] + [failed], {"launchpad-project": PROJECT}))
    assert sent[-1]["message"].endswith("could not start. Error: exec: no such file")


def test_pending_page_never_shows_another_pods_seed():
    """KubeSpawner keeps to its own pod's name; the glue adds nothing from elsewhere."""
    c = seed_config()
    theirs = started_pod_events("jupyter-bob", "u2")
    mine = started_pod_events()
    sent = run(pending_page_events(c, theirs + mine, {"launchpad-project": PROJECT}))
    assert all(e.get("raw_event", {}).get("involvedObject", {}).get("name", "jupyter-alice") == "jupyter-alice" for e in sent)
    assert len(sent) == len(mine) + 1


def test_pending_page_progress_survives_what_the_glue_cannot_read():
    c = seed_config()
    odd = [
        {"metadata": {"uid": "x"}, "involvedObject": {"name": "jupyter-alice", "fieldPath": SEED}, "reason": None, "message": None, "type": None, "lastTimestamp": "2026-12-02T04:00:01Z"},
        {"metadata": {"uid": "y"}, "involvedObject": {"name": "jupyter-alice", "fieldPath": SEED}, "reason": "Started", "message": "Started container launchpad-seed", "type": "Normal", "lastTimestamp": "2026-12-02T04:00:02Z"},
    ]
    # A project id that is not one (the glue refuses such a start elsewhere) is never printed.
    sent = run(pending_page_events(c, odd, {"launchpad-project": "../../etc"}))
    assert sent[0]["message"] == "2026-12-02T04:00:01Z [None] None"
    assert "../" not in sent[1]["message"] and "its folder" in sent[1]["message"]
    # Rewording that breaks sends KubeSpawner's own event.
    broken = launchpad_glue.SeedMessages.reword
    launchpad_glue.SeedMessages.reword = lambda self, event: 1 / 0
    try:
        sent = run(pending_page_events(c, started_pod_events(), {"launchpad-project": PROJECT}))
    finally:
        launchpad_glue.SeedMessages.reword = broken
    assert "2026-12-02T04:00:05Z [Normal] Started container launchpad-seed" in [e["message"] for e in sent]
    # KubeSpawner's patience message (no raw event) passes as it is.
    assert launchpad_glue.SeedMessages(PROJECT).reword({"message": "still waiting"}) == [{"message": "still waiting"}]


def test_install_wraps_kubespawner_progress_once():
    seed_config()
    seed_config()
    wrapped = KubeSpawner.progress
    assert wrapped.launchpad_seed_progress
    assert not getattr(wrapped.__wrapped__, "launchpad_seed_progress", False)
