"""Launchpad's hub glue: the only Launchpad code that runs inside JupyterHub.

Load it last in the hub's configuration (z2jh runs ``hub.extraConfig`` in sorted key order after
the ``jupyterhub_config.d`` files), so that it sees and chains the admin's own hooks::

    import sys; sys.path.insert(0, "/usr/local/etc/launchpad"); import launchpad_glue; launchpad_glue.install(c)

It does three things (four with the profile editor), and imports nothing that an unmodified z2jh
hub image lacks:

1. ``KubeSpawner.options_form`` becomes a callable that renders the spawn form: an allow-listed
   JSON copy of the profile list (never ``kubespawner_override``: it holds env vars, secrets and
   node selectors), the saved ``user_options``, a plain fallback form that starts servers when the
   Launchpad bundle cannot load, and a loader that finds the companion under ``jhdata.prefix``;
   the page's answer carries ``Link: rel=preload`` headers for what its first frame and the page's
   code wait for (``add_spawn_page_links``), and the hub's vendored files that its stylesheet
   imports are served so that a browser's copy is used at once (``hub_static_handler_class``).
2. ``KubeSpawner.modify_pod_hook`` is wrapped: the admin's hook runs first, then, when the user
   starts on a project, the home mount is narrowed to that project's folder (see ``_apply_project``).
3. ``KubeSpawner.progress`` is wrapped so that the hub's pending page tells the user, in words, what
   the project's seed step does (see ``seed_progress``); every other event passes unchanged.
4. With ``profile_list_url`` (the chart's NOTES print it when the profile editor is on),
   ``KubeSpawner.profile_list`` becomes a callable serving the list published in Launchpad's
   editor, filtered by the user's groups, falling back to the last good list and then to the hub's
   own list (see ``PublishedProfileList``).

KubeSpawner's own form parser (``options_from_form``) is kept: the page posts exactly the fields
KubeSpawner's ``form.html`` would, so validation and ``user_options`` stay KubeSpawner's.
"""

import asyncio
import contextlib
import copy
import hashlib
import html
import inspect
import json
import os
import posixpath
import re
import time
from html.parser import HTMLParser

from tornado import web
from traitlets.config.loader import LazyConfigValue

# python-slugify: KubeSpawner's own dependency (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L29)
from slugify import slugify

#: Must match SPAWN_PAGE_CONTRACT_VERSION in contract/spawn-page.ts.
CONTRACT_VERSION = 1
DATA_ELEMENT_ID = "launchpad-spawn-data"
MOUNT_ELEMENT_ID = "launchpad-root"
#: The user_options key the page posts a project id under (profile-option-<slug>--launchpad-project).
PROJECT_OPTION_KEY = "launchpad-project"
#: Must match PROJECT_ID_PATTERN in contract/projects.ts: the id names a folder, so nothing else passes.
PROJECT_ID_RE = re.compile(r"\A[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?\Z")
SERVICE_NAME_RE = re.compile(r"\A[a-zA-Z0-9._-]+\Z")


def install(
    c,
    service_name="launchpad",
    home_mount_path=None,
    home_volume_name=None,
    profile_list_url=None,
    profile_list_cache_seconds=10,
    project_servers=True,
):
    """Configure KubeSpawner on the traitlets config object ``c`` of the hub.

    The user's home is found in the notebook container as ``HomeMount`` says: by default the
    writable mounts directly below ``/home``. A hub that mounts homes elsewhere names the mount
    path (``home_mount_path``) or the volume (``home_volume_name``): the chart values
    ``projects.home.mountPath`` and ``projects.home.volumeName``, which the line the chart's NOTES
    print passes here.

    ``profile_list_url`` is the companion's ``api/hub/profile-list``; the token comes from the
    hub's environment (``LAUNCHPAD_PROFILE_LIST_TOKEN``), never from configuration text.

    Where the hub has named servers, each of Your projects starts in a named server of its own
    (docs/projects.md); ``project_servers=False`` keeps them in the page's own server, as on a hub
    without named servers.
    """
    if not SERVICE_NAME_RE.match(service_name):
        raise ValueError(f"launchpad_glue: invalid service name {service_name!r}")

    async def options_form(spawner):
        return await render_options_form(spawner, service_name, project_servers=project_servers)

    c.KubeSpawner.options_form = options_form
    # traitlets creates a LazyConfigValue on attribute access to an unset key, so test membership.
    admin_hook = c.KubeSpawner["modify_pod_hook"] if "modify_pod_hook" in c.KubeSpawner else None
    home = HomeMount(home_mount_path, home_volume_name)
    c.KubeSpawner.modify_pod_hook = _chain_modify_pod_hook(admin_hook, home)
    _install_seed_progress()
    _install_static_handler(c)
    if profile_list_url:
        _install_published_profile_list(c, profile_list_url, profile_list_cache_seconds)


# --------------------------------------------------------------------------------------------
# The spawn form
# --------------------------------------------------------------------------------------------


async def _resolve_profile_list(spawner):
    """The profile list as KubeSpawner 7.1 sees it: list, dict sorted by key, or callable.

    Not copied: rendering only reads it, and KubeSpawner's own initialisation copies it first
    (``_get_initialized_profile_list``, https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3839).
    """
    return await evaluate_profile_list(spawner.profile_list, spawner, copied=False)


async def evaluate_profile_list(profile_list, spawner, copied=True):
    """A ``profile_list`` value (list, dict, or callable, maybe async) as a list of profiles
    (a deep copy unless ``copied`` is false)."""
    if callable(profile_list):
        profile_list = profile_list(spawner)
        if inspect.isawaitable(profile_list):
            profile_list = await profile_list
    elif isinstance(profile_list, dict):
        # Profiles are ordered by sorted outer key (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L2210-L2216).
        profile_list = [profile_list[k] for k in sorted(profile_list)]
    profile_list = list(profile_list or [])
    return copy.deepcopy(profile_list) if copied else profile_list


def _text(value):
    return value if isinstance(value, str) else None


def public_profiles(profile_list):
    """Allow-listed display fields, with KubeSpawner's defaults.

    https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3829-L3868
    """
    profiles = []
    for profile in profile_list:
        slug = _text(profile.get("slug")) or slugify(str(profile.get("display_name", "")))
        options = []
        for key, option in (profile.get("profile_options") or {}).items():
            choices = []
            for choice_key, choice in (option.get("choices") or {}).items():
                entry = {
                    "key": str(choice_key),
                    "display_name": _text(choice.get("display_name")) or str(choice_key),
                    "default": bool(choice.get("default")),
                }
                if _text(choice.get("description")):
                    entry["description"] = choice["description"]
                choices.append(entry)
            if choices and not any(ch["default"] for ch in choices):
                choices[0]["default"] = True
            unlisted_in = option.get("unlisted_choice") or {}
            unlisted = {"enabled": bool(unlisted_in.get("enabled"))}
            if unlisted["enabled"]:
                unlisted["display_name_in_choices"] = "Other..."
            for field in (
                "display_name",
                "display_name_in_choices",
                "validation_regex",
                "validation_message",
            ):
                if _text(unlisted_in.get(field)):
                    unlisted[field] = unlisted_in[field]
            public_option = {
                "key": str(key),
                "display_name": _text(option.get("display_name")) or str(key),
                "choices": choices,
                "unlisted_choice": unlisted,
            }
            building = option.get("dynamic_image_building")
            if isinstance(building, dict):
                public_option["dynamic_image_building"] = {"enabled": bool(building.get("enabled"))}
            options.append(public_option)
        entry = {
            "slug": slug,
            "display_name": _text(profile.get("display_name")) or slug,
            "default": bool(profile.get("default")),
            "profile_options": options,
        }
        if _text(profile.get("description")):
            entry["description"] = profile["description"]
        profiles.append(entry)
    if profiles and not any(p["default"] for p in profiles):
        profiles[0]["default"] = True
    return profiles


def _json_for_script(data):
    """JSON that cannot end its <script> element or open a comment, whatever admins wrote."""
    text = json.dumps(data, sort_keys=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def _plain_text(admin_html):
    """The fallback form shows admin-written descriptions as text: no HTML, so nothing can run."""
    parser = _TextOnly()
    parser.feed(admin_html)
    parser.close()
    return " ".join("".join(parser.parts).split())


#: These three must match the constants of the same names in contract/spawn-page.ts: the page
#: takes this form over in place, so both lay it out alike.
#: More entries than this (choices, "Other...", "Build from a repository") and an option is a
#: searchable list (a <select> until the page has loaded); up to it, radios.
MAX_RADIOS = 5
#: More profiles than this: a filter and a scrolling list, the selected profile's options below.
MAX_PROFILE_CARDS = 5
#: Up to this many choices in all, every profile's options are in the HTML and the form works in
#: full without the page; above it, only the selected profile's (the others start with their
#: defaults without the page), which keeps a 200-profile page light.
MAX_CHOICES_IN_HTML = 200

#: Must match BUILD_CHOICE_LABEL in frontend/src/features/profiles/option-entries.ts.
BUILD_CHOICE_LABEL = "Build from a repository"

#: The form's own look before the page loads; the rest is the hub's Bootstrap 5. The page keeps
#: the same layout with classes instead of :has(), and hides this form once it has taken over.
#: The form is drawn only once its Start (its last element) is parsed: Chromium draws a frame after
#: each slice of parsing, and with 200 profiles (4x CPU slowdown) those frames of a half-parsed
#: list cost more than the parsing. Rows of a long list out of view are neither styled nor laid
#: out (content-visibility, still in the accessibility tree and found by find-in-page). A browser
#: without :has() drops the first rule and draws the form as it comes.
_FORM_STYLE = """<style id="launchpad-form-style">
#spawn_form:has(#launchpad-root)>.feedback-container,#spawn_form:has(#launchpad-root)>br{display:none}
.lp-title{font-weight:600}
.launchpad .lp-start{--bs-btn-color:#fff;--bs-btn-bg:#bf4f0b;--bs-btn-border-color:#a94400;--bs-btn-hover-color:#fff;--bs-btn-hover-bg:#a94400;--bs-btn-hover-border-color:#8f3900;--bs-btn-active-bg:#8f3900;font-weight:600}
.lp-card:has(>.card-body>.lp-head input:checked),.lp-card[data-selected]{border-color:var(--bs-primary);box-shadow:inset 4px 0 0 var(--bs-primary);background:var(--bs-tertiary-bg)}
.lp-server .lp-card:not(.lp-selected):not(:has(>.card-body>.lp-head input:checked)) .lp-options,.lp-server .lp-other,.lp-server .lp-unchosen{display:none}
.lp-server .lp-field:has(.lp-other-choice:checked) .lp-other,.lp-server .lp-other:has(input:not(:placeholder-shown)){display:block}
.lp-server:has(.lp-list input:checked:not([checked])) .lp-selected .lp-options{display:none}
.lp-server:has(.lp-list input:checked:not([checked])) .lp-selected .lp-unchosen{display:block}
.lp-server .lp-field:has(option:checked:not([selected])) .lp-choice-desc{visibility:hidden}
.lp-server{border:0;margin:0;padding:0;min-width:0}
.lp-server:not(:has(>.lp-start)){display:none}
.launchpad[data-launchpad-state=fallback] .lp-needs-page{display:none}
.lp-list{max-height:min(24rem,60vh);overflow-y:auto}
.lp-row{content-visibility:auto;contain-intrinsic-size:auto 4rem}
</style>"""


def _saved_selection(profiles, user_options):
    """The selected profile and its preselected (choice, text) per option key, read as the page's
    initialFormState reads them: the saved profile if it still exists, else the default one;
    saved values only where they still fit."""
    saved = lambda key: user_options.get(key) if isinstance(user_options.get(key), str) else None  # noqa: E731
    slug = saved("profile")
    default = next(p for p in profiles if p["default"])
    profile = next((p for p in profiles if p["slug"] == slug), None)
    # Without a saved `profile`, KubeSpawner applies saved options to the default profile
    # (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3894-L3896).
    if profile is None and "profile" in user_options:
        return default, {}
    profile = profile or default
    values = {}
    for option in profile["profile_options"]:
        text = saved(option["key"] + "--unlisted-choice")
        choice = saved(option["key"])
        if text and option["unlisted_choice"]["enabled"]:
            values[option["key"]] = ("", text)
        elif choice is not None and any(c["key"] == choice for c in option["choices"]):
            values[option["key"]] = (choice, "")
    return profile, values


def _can_build(option):
    """Mirrors canBuildImage in the page: built images reach KubeSpawner as the unlisted value."""
    return bool(option.get("dynamic_image_building", {}).get("enabled")) and option["unlisted_choice"]["enabled"]


def _option_field(profile, option, field_id, values):
    """One option as the page lays it out: radios for a few entries, else a list; "Other..." is
    the value "" (KubeSpawner then uses the free text, or the default choice when it is empty)."""
    e = html.escape
    slug = profile["slug"]
    name = f"profile-option-{slug}--{option['key']}"
    unlisted = option["unlisted_choice"]
    chosen, text = values.get(option["key"], (None, ""))
    if chosen is None:
        chosen = next((c["key"] for c in option["choices"] if c["default"]), None)
    build = _can_build(option)
    entries = [(c["key"], c["display_name"], c.get("description")) for c in option["choices"]]
    other = unlisted["enabled"] and (entries or build)
    count = len(entries) + (1 if other else 0) + (1 if build else 0)
    out = []
    label = unlisted.get("display_name") or unlisted.get("display_name_in_choices") or ""
    text_field = (
        f'<input type="text" class="form-control" name="{e(name)}--unlisted-choice" id="{field_id}-text"'
        f' value="{e(text)}" placeholder=" " autocomplete="off" spellcheck="false">'
    )
    if not entries and not other:
        # Free text only: KubeSpawner has no choice to fall back on.
        return (
            f'<div class="lp-field row mb-2"><label class="col-form-label col-sm-3 pt-0" for="{field_id}-text">'
            f'{e(label or option["display_name"])}</label><div class="col-sm-9">{text_field}</div></div>'
        )
    if count <= MAX_RADIOS:
        out.append(
            f'<fieldset class="lp-field row mb-2"><legend class="col-form-label col-sm-3 pt-0">'
            f'{e(option["display_name"])}</legend><div class="col-sm-9">'
        )
        for i, (key, choice_label, description) in enumerate(entries):
            out.append(_radio(name, f"{field_id}-{i}", key, choice_label, description, key == chosen))
        if other:
            other_label = unlisted["display_name_in_choices"]
            out.append(_radio(name, f"{field_id}-other", "", other_label, None, chosen == "", " lp-other-choice"))
        if build:
            # Building needs the page and the companion: shown, but off until the page says more.
            out.append(
                _radio("", f"{field_id}-build", "", BUILD_CHOICE_LABEL, "Available once the page has loaded.",
                       False, " lp-needs-page", disabled=True)
            )
    else:
        description = next((d for k, _, d in entries if k == chosen), None)
        out.append(
            f'<div class="lp-field row mb-2"><label class="col-form-label col-sm-3 pt-0" for="{field_id}">'
            f'{e(option["display_name"])}</label><div class="col-sm-9">'
            f'<select class="form-select" name="{e(name)}" id="{field_id}">'
        )
        for key, choice_label, _ in entries:
            out.append(f'<option value="{e(key)}"{" selected" if key == chosen else ""}>{e(choice_label)}</option>')
        if other:
            out.append(
                f'<option class="lp-other-choice" value=""{" selected" if chosen == "" else ""}>'
                f'{e(unlisted["display_name_in_choices"])}</option>'
            )
        out.append("</select>")
        out.append(f'<div class="form-text lp-choice-desc">{e(description) if description else ""}</div>')
    if unlisted["enabled"]:
        out.append(
            f'<div class="lp-other mt-2"><label class="form-label" for="{field_id}-text">{e(label)}</label>'
            f"{text_field}</div>"
        )
    out.append("</div></fieldset>" if count <= MAX_RADIOS else "</div></div>")
    return "".join(out)


def _radio(name, radio_id, value, label, description, checked, kind="", disabled=False):
    """A choice with its description inside its own .form-check, so each belongs to its choice."""
    e = html.escape
    attributes = f' name="{e(name)}"' if name else ""
    attributes += " checked" if checked else ""
    attributes += " disabled" if disabled else ""
    if description:
        attributes += f' aria-describedby="{radio_id}-desc"'
    desc = f'<div class="form-text mt-0" id="{radio_id}-desc">{e(description)}</div>' if description else ""
    return (
        f'<div class="form-check lp-choice{kind}"><input class="form-check-input{kind}" type="radio"'
        f' id="{radio_id}" value="{e(value)}"{attributes}>'
        f'<label class="form-check-label" for="{radio_id}">{e(label)}</label>{desc}</div>'
    )


def _options(profile, index, values):
    if not profile["profile_options"]:
        return ""
    fields = "".join(
        _option_field(profile, option, f"lps-{index}-{i}", values) for i, option in enumerate(profile["profile_options"])
    )
    return f'<div class="lp-options mt-3">{fields}</div>'


def _head(profile, index, checked, single):
    """The profile's radio (none when it is the only one), name and description."""
    e = html.escape
    radio_id = f"lps-{index}"
    described = f' aria-describedby="{radio_id}-desc"' if profile.get("description") else ""
    description = (
        f'<div class="form-text mt-0 lp-desc" id="{radio_id}-desc">{e(_plain_text(profile["description"]))}</div>'
        if profile.get("description")
        else ""
    )
    if single:
        return (
            f'<div class="lp-head"><input type="hidden" name="profile" value="{e(profile["slug"])}">'
            f'<h2 class="h5 mb-1 lp-title">{e(profile["display_name"])}</h2>{description}</div>'
        )
    return (
        f'<div class="form-check lp-head"><input class="form-check-input" type="radio" name="profile"'
        f' id="{radio_id}" value="{e(profile["slug"])}"{" checked" if checked else ""}{described}>'
        f'<label class="form-check-label lp-title" for="{radio_id}">{e(profile["display_name"])}</label>'
        f"{description}</div>"
    )


def server_form(profiles, user_options):
    """The spawn form as the page will show it, working before (and without) any script: the
    hub's Bootstrap 5 lays it out, KubeSpawner's own field names carry the choices. The page
    (frontend/src/features/profiles/components/profile-picker.tsx) renders the same markup."""
    e = html.escape
    selected, values = _saved_selection(profiles, user_options)
    single = len(profiles) == 1
    all_options = sum(len(o["choices"]) for p in profiles for o in p["profile_options"]) <= MAX_CHOICES_IN_HTML
    out = ['<fieldset class="lp-server" data-launchpad-form>']
    if single:
        out.append('<div class="lp-profiles">')
    else:
        out.append('<fieldset class="lp-profiles"><legend class="h5 lp-legend">Choose what to start</legend>')
    if len(profiles) <= MAX_PROFILE_CARDS:
        for index, profile in enumerate(profiles):
            is_selected = profile is selected
            options = _options(profile, index, values if is_selected else {}) if is_selected or all_options else ""
            # The only profile has no radio to be checked: lp-selected keeps its options shown
            # (_FORM_STYLE hides a card's options until its profile is chosen).
            chosen = " lp-selected" if single else ""
            out.append(
                f'<div class="card mb-2 lp-card{chosen}"><div class="card-body">{_head(profile, index, is_selected, single)}'
                f"{options}</div></div>"
            )
        out.append("</div>" if single else "</fieldset>")
    else:
        out.append(
            f'<input type="search" class="form-control mb-2 lp-filter lp-needs-page" disabled'
            f' placeholder="Filter {len(profiles)} profiles by name or description" aria-label="Filter profiles">'
            '<div class="lp-list card mb-2"><div class="list-group list-group-flush">'
        )
        for index, profile in enumerate(profiles):
            out.append(
                f'<div class="list-group-item lp-row">{_head(profile, index, profile is selected, False)}</div>'
            )
        index = profiles.index(selected)
        out.append(
            "</div></div></fieldset>"
            '<div class="card mb-2 lp-card lp-selected" data-selected><div class="card-body">'
            f'<h2 class="h6 mb-0 lp-title">{e(selected["display_name"])}</h2>'
            f"{_options(selected, index, values)}"
            '<p class="form-text lp-unchosen">The profile you picked starts with its default options.</p>'
            "</div></div>"
        )
    out.append('<button type="submit" class="btn btn-jupyter form-control lp-start">Start</button></fieldset>')
    return "".join(out)


# Classic, after the form. The page's code (fetched early by _PRELOAD) is run only once the whole
# form is parsed and then drawn: run before, its evaluation held back the form's first paint,
# whose Start works without it (at the top of the form, the first frame came while a long list
# was still being parsed, and the page's evaluation ran in the middle of it).
_LOADER = """<script>
requestAnimationFrame(() => setTimeout(() => {
  import((window.jhdata && window.jhdata.prefix || "/") + "services/%(service)s/static/launchpad.js").catch((error) => {
    console.warn("Launchpad could not load; the form keeps working without it.", error);
    document.getElementById("%(mount)s").dataset.launchpadState = "fallback";
  });
}));
</script>"""


#: The page's entry, asked for as soon as the browser's preload scanner sees the form. The loader
#: below runs only once the hub's render-blocking stylesheets are in (a classic script waits for
#: them), which on a slow link put a round trip or more before the page's code was even requested.
#: The same URL and request mode as the loader's import() (a module script is fetched in CORS mode
#: with same-origin credentials: ``crossorigin``), so the browser fetches it once. A plain preload,
#: not a modulepreload: Chromium compiles a modulepreload as soon as it arrives, on the main thread
#: in the middle of parsing the form (~100 ms for the entry at load, a trace of the bench), which
#: held back the form's first frame; a preload only fetches, and the import() compiles it after.
_PRELOAD = '<link rel="preload" as="script" crossorigin href="%(prefix)sservices/%(service)s/static/launchpad.js">'


def _hub_prefix(spawner):
    """The hub's base URL, the page's ``jhdata.prefix`` (JupyterHub's User keeps the app's settings,
    https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/user.py#L233-L236); None when unknown."""
    settings = getattr(spawner.user, "settings", None)
    prefix = settings.get("base_url") if isinstance(settings, dict) else None
    return prefix if isinstance(prefix, str) and prefix.startswith("/") and prefix.endswith("/") else None


#: A path the glue puts in a ``Link`` header as it is: no ``<``, ``>``, ``,``, ``;``, quotes or spaces.
_LINK_PATH = re.compile(r"\A/[A-Za-z0-9@._~/%+-]+\Z")
#: An ``@import`` of a stylesheet: ``@import "x.css"``, ``@import url(x.css)`` (what it names).
_CSS_IMPORT = re.compile(r"""@import\s*(?:url\(\s*)?["']?([^"')\s;]+)""")
#: The hub's own stylesheet, which JupyterHub's page.html links
#: (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/share/jupyterhub/templates/page.html#L41-L45).
_HUB_STYLESHEET = "css/style.min.css"
#: What the hub's stylesheet imports, by static directory: read once per hub process.
_IMPORTS_CACHE = {}


def hub_stylesheet_imports(static_path, static_url_prefix):
    """The URLs of the hub's own static files that its stylesheet ``@import``s without a version.

    JupyterHub's stylesheet is linked with ``?v=`` and cached for long, but it imports Font Awesome's
    CSS by relative URL (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/share/jupyterhub/static/scss/style.scss#L56-L57),
    which the hub serves with ``Cache-Control: no-cache`` for want of a ``?v=``
    (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/handlers/static.py#L8-L20):
    every page asks for them again, once the stylesheet is parsed, and draws nothing until they
    are in. Only files that exist below ``static_path`` are named (no query, no other origin, no
    ``..`` out of it). Never raises: an unreadable stylesheet names nothing.
    """
    key = (static_path, static_url_prefix)
    if key in _IMPORTS_CACHE:
        return _IMPORTS_CACHE[key]
    urls = []
    try:
        with open(os.path.join(static_path, *_HUB_STYLESHEET.split("/")), encoding="utf-8") as css:
            text = css.read(2_000_000)
        for target in _CSS_IMPORT.findall(text):
            if any(c in target for c in "?#:\\") or target.startswith("/"):
                continue  # versioned, of another origin or absolute: not the hub's unversioned files
            relative = posixpath.normpath(posixpath.join(posixpath.dirname(_HUB_STYLESHEET), target))
            url = static_url_prefix + relative
            if relative.startswith("..") or not _LINK_PATH.match(url) or url in urls:
                continue
            if os.path.isfile(os.path.join(static_path, *relative.split("/"))):
                urls.append(url)
    except (OSError, TypeError, ValueError):
        urls = []
    _IMPORTS_CACHE[key] = tuple(urls[:8])
    return _IMPORTS_CACHE[key]


#: How long a browser may go on using a copy of the hub's vendored files while it asks for them
#: again in the background (a week: long enough for a user's next visit).
COMPONENTS_STALE_SECONDS = 7 * 24 * 3600
#: The hub's own copies of the npm packages it depends on (Font Awesome, Bootstrap, jQuery,
#: RequireJS), copied below its static directory when the hub is built
#: (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/bower-lite#L19-L34): they change only when
#: the hub is upgraded.
_COMPONENTS_DIR = "components/"
_STATIC_HANDLER_CLASS = []


def hub_static_handler_class():
    """JupyterHub's own static file handler, but for the unversioned files of its vendored
    packages (``components/``): ``Cache-Control: max-age=0, stale-while-revalidate=<a week>``
    instead of ``no-cache``.

    The hub stylesheet imports Font Awesome's CSS, and that its font, by relative URL (see
    ``hub_stylesheet_imports``), so the hub sends them with ``no-cache``
    (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/handlers/static.py#L8-L20) and
    every page waits a round trip to have them confirmed before its first frame. With
    stale-while-revalidate (RFC 5861 §3) the browser uses the copy it has at once and asks the hub
    in the background, so a hub upgrade's new copy is in use from the page after. Everything else
    is as the hub sends it: versioned URLs (``?v=``, cached for long by Tornado), the hub's own
    files, and every file when the admin asks for ``no_cache_static``. None when JupyterHub's
    handler cannot be imported (the hub then keeps its own).
    """
    if _STATIC_HANDLER_CLASS:
        return _STATIC_HANDLER_CLASS[0]
    try:
        from jupyterhub.handlers.static import CacheControlStaticFilesHandler
    except ImportError:
        return None

    class LaunchpadStaticFilesHandler(CacheControlStaticFilesHandler):
        def set_extra_headers(self, path):
            # Where the file is, not how the URL spelled it (``components/../css/`` is not below
            # it): Tornado has checked the path below the root before it sets headers, and may
            # have resolved symbolic links in it (6.6 does), so both sides are resolved here.
            # Resolved only for an unversioned request: most of the hub's are versioned.
            if "v" not in self.request.arguments and not self.settings.get("no_cache_static", False):
                relative = os.path.relpath(os.path.realpath(self.absolute_path), os.path.realpath(self.root))
                if relative.replace(os.sep, "/").startswith(_COMPONENTS_DIR):
                    self.add_header("Cache-Control", f"max-age=0, stale-while-revalidate={COMPONENTS_STALE_SECONDS}")
                    return
            super().set_extra_headers(path)

    _STATIC_HANDLER_CLASS.append(LaunchpadStaticFilesHandler)
    return LaunchpadStaticFilesHandler


def _install_static_handler(c):
    """Serves the hub's static files with ``hub_static_handler_class``, merged into the admin's
    ``JupyterHub.tornado_settings`` (z2jh sets ``slow_spawn_timeout`` there), which JupyterHub lets
    override its own settings (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/app.py#L3315-L3316).
    A handler class the admin chose is left alone."""
    handler_class = hub_static_handler_class()
    if handler_class is None:
        return
    settings = c.JupyterHub["tornado_settings"] if "tornado_settings" in c.JupyterHub else {}
    if isinstance(settings, LazyConfigValue):
        # ``c.JupyterHub.tornado_settings.update(...)`` before any assignment: its value over the
        # trait's default, an empty dict.
        settings = settings.get_value({})
    if not isinstance(settings, dict) or "static_handler_class" in settings:
        return
    c.JupyterHub.tornado_settings = {**settings, "static_handler_class": handler_class}


def add_spawn_page_links(spawner, script_url=None):
    """``Link: rel=preload`` headers on the spawn page's answer, so the browser starts fetching
    what the page waits for as soon as the answer's head is in, not once it has parsed its way
    to each: the page's code (``script_url``, as the form's own preload asks for it; that one
    stays for a hub whose answer carries no header) and, unless the glue's static handler serves
    them (``hub_static_handler_class``), the hub stylesheet's unversioned imports
    (``hub_stylesheet_imports``), otherwise a round trip before the first frame on every page.

    JupyterHub hands the spawn page's request handler to the spawner before it asks for the
    options form, "so you can access query params in form rendering"
    (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/handlers/pages.py#L189-L190);
    the headers go with the page it then renders. Never raises: without a handler, or one that
    has answered already, nothing is added and the page is as it was.
    """
    handler = getattr(spawner, "handler", None)
    try:
        if handler is None or getattr(handler, "_finished", True) is not False:
            return
        settings = handler.settings
        # Served by the glue's handler, the imports come from the browser's copy at once; a
        # preload of them would only get in the way: Chromium takes the preload's stale copy for
        # a different request from the stylesheet's, which then waits for the network (seen in
        # Chromium 156's DevTools protocol: the import fetched again, 95 ms on loopback).
        glue_handler = hub_static_handler_class()
        ours = glue_handler is not None and settings.get("static_handler_class") is glue_handler
        links = (
            []
            if ours
            else [
                f"<{url}>; rel=preload; as=style"
                for url in hub_stylesheet_imports(settings.get("static_path"), settings.get("static_url_prefix"))
            ]
        )
        if script_url and _LINK_PATH.match(script_url):
            links.append(f"<{script_url}>; rel=preload; as=script; crossorigin")
        for link in links:
            handler.add_header("Link", link)
    except Exception:
        spawner.log.warning("Launchpad: could not add preload links to the spawn page", exc_info=True)


def hub_facts(spawner, project_servers=True):
    """What the page needs to know about the hub: its version and whether it has named servers.

    ``User.allow_named_servers`` is the hub's setting
    (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/user.py#L231, 6.1.1
    user.py#L233); ``named_server_limit_per_user`` is an int (0: no limit) or a callable of the
    request handler (https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/app.py#L1388-L1410),
    which the glue cannot call: then the limit is ``None`` (unknown) and the hub's own refusal says
    when it is reached. Never raises: a hub without these (a test double, an older hub) has no
    named servers for the page; nor has one whose admin installed the glue with
    ``project_servers=False``.
    """
    try:
        import jupyterhub

        version = str(jupyterhub.__version__)
    except Exception:
        version = ""
    user = getattr(spawner, "user", None)
    settings = getattr(user, "settings", None)
    settings = settings if isinstance(settings, dict) else {}
    allowed = getattr(user, "allow_named_servers", settings.get("allow_named_servers", False))
    limit = settings.get("named_server_limit_per_user", 0)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        limit = None
    named = allowed is True and project_servers is True
    return {"version": version, "named_servers": named, "named_server_limit": limit}


def render_spawn_form(profiles, user_options, service_name, user, server_name, profiles_json=None, prefix=None, hub=None):
    """The whole options form: loader, data, and the server-rendered form in the mount point.

    ``profiles_json`` is ``_json_for_script(profiles)`` when the caller has it already (the list's
    cache, ``_projected``): the list is serialised once per list, not once per page.
    """
    saved = user_options if isinstance(user_options, dict) else {}
    head = {"version": CONTRACT_VERSION, "service_name": service_name, "user": user, "server_name": server_name}
    if profiles_json is None:
        profiles_json = _json_for_script(profiles)
    # The same object as one json.dumps of the whole, its keys in the same order.
    data = (
        _json_for_script(head)[:-1]
        + f', "profiles": {profiles_json}, "user_options": {_json_for_script(saved)}'
        + ("" if hub is None else f', "hub": {_json_for_script(hub)}')
        + "}"
    )
    preload = _PRELOAD % {"prefix": html.escape(prefix), "service": service_name} if prefix else ""
    # The form first: the browser can draw it while it still reads the data (300 KB for 200
    # profiles), which only the page's code needs.
    return (
        preload
        + _FORM_STYLE
        + f'<div id="{MOUNT_ELEMENT_ID}" class="launchpad" data-launchpad-state="loading">'
        f"{server_form(profiles, saved)}</div>"
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{data}</script>'
        + _LOADER % {"mount": MOUNT_ELEMENT_ID, "service": service_name}
    )


def _kind(value):
    if value is None:
        return "empty (None)"
    return {list: "a list", tuple: "a list", str: "a string", bool: "true/false"}.get(
        type(value), f"a {type(value).__name__}"
    )


def profile_list_problem(profile_list):
    """The first entry KubeSpawner 7.1 cannot read, in words an admin can act on; None if none.

    KubeSpawner walks the whole list at render and again at every start
    (``_get_initialized_profile_list``,
    https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3829-L3868, called by
    ``load_user_options``, #L3870-L3903 there): ``profile.get("profile_options", {}).values()``,
    ``option.get("choices")``, ``choices.values()`` and ``c.get("default")`` on each choice, and
    ``option.setdefault("unlisted_choice", {}).setdefault(...)``. A value without those methods
    fails every start, for every user.
    """
    for index, profile in enumerate(profile_list):
        where = f"profile_list[{index}]"
        if not isinstance(profile, dict):
            return f"{where} is {_kind(profile)}; each profile must be a mapping (display_name, slug, …)"
        if isinstance(profile.get("display_name"), str):
            where += f" ({profile['display_name']!r})"
        if "slug" not in profile and "display_name" not in profile:
            return f"{where} has neither a slug nor a display_name"
        options = profile.get("profile_options", {})
        if not isinstance(options, dict):
            return (
                f"{where}: profile_options is {_kind(options)}; it must be a mapping of option "
                "name to option, or left out"
            )
        for key, option in options.items():
            at = f"{where}, profile_options[{key!r}]"
            if not isinstance(option, dict):
                return f"{at} is {_kind(option)}; an option must be a mapping (display_name, choices, …)"
            choices = option.get("choices")
            if choices and not isinstance(choices, dict):
                return (
                    f"{at}: choices is {_kind(choices)}; it must be a mapping of choice name to "
                    "choice, e.g. choices: {small: {display_name: Small}}"
                )
            for choice_key, choice in (choices or {}).items():
                if not isinstance(choice, dict):
                    return (
                        f"{at}, choices[{choice_key!r}] is {_kind(choice)}; a choice must be a "
                        "mapping (display_name, kubespawner_override, …)"
                    )
            unlisted = option.get("unlisted_choice", {})
            if not isinstance(unlisted, dict):
                return f"{at}: unlisted_choice is {_kind(unlisted)}; it must be a mapping (enabled, …)"
    return None


def _kubespawner_refusal(spawner, profile_list):
    """Why KubeSpawner itself cannot use the list, or None when it can.

    KubeSpawner's own initialisation decides; ``profile_list_problem`` names the entry.
    """
    initialise = getattr(spawner, "_get_initialized_profile_list", None)
    if initialise is None:
        return profile_list_problem(profile_list)
    try:
        initialise(profile_list)
    except Exception as error:
        return profile_list_problem(profile_list) or f"KubeSpawner cannot read it ({type(error).__name__}: {error})"
    return None


ERROR_ELEMENT_ID = "launchpad-profile-list-error"


def profile_list_error_page(problem):
    """What users see when no server can start from this profile list: the reason, not a form.

    The hub's Start button is hidden: every start would fail the same way.
    """
    return (
        f'<div id="{ERROR_ELEMENT_ID}" class="alert alert-danger" role="alert">'
        "<p><strong>No server can start from this page right now:</strong> this hub's profile list "
        "has an entry that KubeSpawner cannot use. Please tell your JupyterHub admin, quoting:</p>"
        f"<p><code>{html.escape(problem)}</code></p></div>"
        f"<style>form:has(#{ERROR_ELEMENT_ID}) .feedback-container {{ display: none; }}</style>"
    )


def _kubespawner_form(spawner, profile_list):
    """KubeSpawner's own form for the list (``_render_options_form``,
    https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3495-L3554): what
    the hub would show without Launchpad."""
    return spawner._render_options_form(profile_list)


class _Projected:
    """What the form takes from one profile list: KubeSpawner's verdict on it (``problem``), its
    public projection and that projection's JSON. Read only: every page shares them."""

    __slots__ = ("problem", "profiles", "profiles_json")

    def __init__(self, problem, profiles, profiles_json):
        self.problem = problem
        self.profiles = profiles
        self.profiles_json = profiles_json


#: The last few lists' projections, by fingerprint: checking a list with KubeSpawner, projecting
#: and serialising it cost more than the page's own rendering (200 profiles: ~110 ms of a hub CPU
#: per page, ~10 ms with this), and a hub serves one list, or one per group, to every user.
_LIST_CACHE = {}
_LIST_CACHE_SIZE = 16


def _fingerprint(profile_list):
    """The list's identity by content, whatever object holds it (traitlets gives every spawner its
    own copy; a callable makes a new list each call). ``repr`` tells apart what JSON would not
    (a tuple from a list, the key 1 from "1"), so two lists KubeSpawner could read differently
    never share an entry."""
    return hashlib.sha256(repr(profile_list).encode("utf-8", "surrogatepass")).digest()


def _remember(key, projected):
    if key not in _LIST_CACHE and len(_LIST_CACHE) >= _LIST_CACHE_SIZE:
        del _LIST_CACHE[next(iter(_LIST_CACHE))]  # the oldest
    _LIST_CACHE[key] = projected
    return projected


async def render_options_form(spawner, service_name="launchpad", project_servers=True):
    """The spawn form; never an exception, because the spawn page is every user's way in.

    - the profile list cannot be read, or KubeSpawner cannot use it: a page naming the bad entry,
      logged (KubeSpawner would fail every start anyway);
    - KubeSpawner can use it but the glue cannot project it (a shape the glue does not know):
      logged, and KubeSpawner's own form, which starts servers as it always has.
    """
    try:
        profile_list = await _resolve_profile_list(spawner)
    except Exception as error:
        spawner.log.exception("Launchpad: the hub's profile_list could not be read")
        return profile_list_error_page(f"profile_list could not be read ({type(error).__name__}: {error})")
    if not profile_list:
        return ""  # no profiles: JupyterHub spawns without showing a form, as KubeSpawner does
    key = _fingerprint(profile_list)
    cached = _LIST_CACHE.get(key)
    problem = cached.problem if cached else _kubespawner_refusal(spawner, profile_list)
    if problem is not None:
        spawner.log.error("Launchpad: KubeSpawner cannot use this hub's profile_list: %s", problem)
        _remember(key, _Projected(problem, None, None))
        return profile_list_error_page(problem)
    try:
        if cached is None:
            profiles = public_profiles(profile_list)
            cached = _remember(key, _Projected(None, profiles, _json_for_script(profiles)))
        prefix = _hub_prefix(spawner)
        form = render_spawn_form(
            cached.profiles,
            spawner.user_options or {},
            service_name,
            spawner.user.name,
            spawner.name or "",
            profiles_json=cached.profiles_json,
            prefix=prefix,
            hub=hub_facts(spawner, project_servers),
        )
        add_spawn_page_links(spawner, prefix and f"{prefix}services/{service_name}/static/launchpad.js")
        return form
    except Exception:
        spawner.log.exception(
            "Launchpad could not read this profile_list; showing KubeSpawner's own form instead"
        )
    try:
        return _kubespawner_form(spawner, profile_list)
    except Exception as error:
        spawner.log.exception("Launchpad: KubeSpawner's own form failed too")
        return profile_list_error_page(f"KubeSpawner cannot render it ({type(error).__name__}: {error})")


# --------------------------------------------------------------------------------------------
# The pod
# --------------------------------------------------------------------------------------------


def _chain_modify_pod_hook(admin_hook, home):
    async def modify_pod_hook(spawner, pod):
        if admin_hook is not None:
            result = admin_hook(spawner, pod)
            if inspect.isawaitable(result):
                result = await result
            pod = result if result is not None else pod
        return _apply_project(spawner, pod, home)

    return modify_pod_hook


#: Launchpad's label and annotation keys. They must match LABELS and POD_ANNOTATIONS in
#: server/src/kubernetes/metadata.ts, the one module that spells them for the companion.
METADATA_PREFIX = "launchpad.jupyter.org/"
#: Labels on every pod the glue narrows, so the companion finds a user's project pods whatever
#: KubeSpawner's own labels say: KubeSpawner 6 escapes `hub.jupyter.org/username`
#: (https://github.com/jupyterhub/kubespawner/blob/6.2.0/kubespawner/spawner.py#L1853-L1863),
#: 7.1 slugs and hashes names that are not label values (spawner.py#L2219-L2229 at 7.1.0), and
#: admins' hooks and spawner subclasses change or drop it. The glue's hook runs last, so these stay.
USER_LABEL = METADATA_PREFIX + "user"
PROJECT_LABEL = METADATA_PREFIX + "project"
SEED_CONTAINER_NAME = "launchpad-seed"
#: Inside the seed container: the user's home root (the home mount's own subPath).
SEED_HOME_ROOT = "/launchpad/home"
SEED_MARKER = ".launchpad-seeded"


def label_hash(text):
    """metadata.ts `labelHash`: the first 40 hex digits of SHA-256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


# Copies the image's home directory into the project folder once. It runs as the notebook user in
# the image that was just built, so it creates projects/<id> itself (user-owned even on NFS, where
# fsGroup does not apply and a folder the kubelet made for a subPath would belong to root). `cp -n`
# never overwrites, so a copy cut half-way is completed on the next start and users' files stay;
# the marker, written only after a complete copy, makes later starts skip the copy entirely.
#
# Which directory is the image's home, when the pod mounts the home at several paths (2i2c's hubs
# mount it at /home/jovyan and /home/rstudio): the home mount at the image's own $HOME (the seed
# container gets no env of the pod's, so $HOME is what the image and the runtime set); else the one
# holding the image's working directory (the seed sets no workingDir); else the first home mount
# that exists in the image. Not found: nothing is copied.
SEED_SCRIPT = r"""set -euf
case "$LAUNCHPAD_PROJECT_ID" in
  ""|*[!a-z0-9-]*) echo "launchpad-seed: invalid project id" >&2; exit 1 ;;
esac
target="$LAUNCHPAD_HOME_ROOT/projects/$LAUNCHPAD_PROJECT_ID"
mkdir -p "$target"
if [ -e "$target/$LAUNCHPAD_MARKER" ]; then
  echo "launchpad-seed: project folder already seeded"; exit 0
fi
home="${HOME:-}"; home="${home%/}"
here="$(pwd)"
source=""
IFS='
'
for path in $LAUNCHPAD_HOME_MOUNTS; do
  if [ "$path" = "$home" ]; then source="$path"; break; fi
done
if [ -z "$source" ]; then
  for path in $LAUNCHPAD_HOME_MOUNTS; do
    case "$here/" in "$path"/*) source="$path"; break ;; esac
  done
fi
if [ -z "$source" ]; then
  for path in $LAUNCHPAD_HOME_MOUNTS; do
    if [ -d "$path" ]; then source="$path"; break; fi
  done
fi
unset IFS
if [ -n "$source" ] && [ -d "$source" ]; then
  cp -R -p -n "$source/." "$target/"
  echo "launchpad-seed: copied $source into projects/$LAUNCHPAD_PROJECT_ID"
else
  echo "launchpad-seed: the image has none of the home folders; projects/$LAUNCHPAD_PROJECT_ID starts empty"
fi
touch "$target/$LAUNCHPAD_MARKER"
"""


class ProjectRefused(web.HTTPError):
    """A start the glue refuses, with the reason shown to the user on the hub's own pages.

    JupyterHub shows an exception's ``jupyterhub_message`` on the page of a failed spawn
    (``format_exception(exc, only_jupyterhub=True)`` in ``SpawnPendingHandler``,
    https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/handlers/pages.py#L418-L447, and
    in the progress stream, apihandlers/users.py#L873-L885 there), and a spawn failing within the
    first second is re-raised only if it is an ``HTTPError``: anything else becomes "Unhandled error
    starting server" (``_wrap_spawn_single_user``, handlers/pages.py#L347-L372 there; the same in
    https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/handlers/pages.py#L405-L434).
    """

    def __init__(self, status_code, message):
        # log_message is %-formatted with args by tornado: pass the text as an argument.
        super().__init__(status_code, "%s", message)
        self.jupyterhub_message = message


def _field(obj, snake, camel):
    """Read a field of a kubernetes model object or of a plain dict (either key style)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(camel, obj.get(snake))
    return getattr(obj, snake, None)


def _set_field(obj, snake, camel, value):
    if isinstance(obj, dict):
        obj[camel if camel in obj or snake not in obj else snake] = value
    else:
        setattr(obj, snake, value)


def _to_json(obj):
    """A kubernetes model as its API JSON (camelCase), without a client instance."""
    if isinstance(obj, list):
        return [_to_json(item) for item in obj]
    if isinstance(obj, dict):
        return {k: _to_json(v) for k, v in obj.items() if v is not None}
    attribute_map = getattr(obj, "attribute_map", None)
    if attribute_map is not None:
        return {
            attribute_map[k]: _to_json(getattr(obj, k))
            for k in attribute_map
            if getattr(obj, k, None) is not None
        }
    return obj


def _containers(pod):
    return list(pod.spec.containers or []) + list(pod.spec.init_containers or [])


def _mounts(container):
    return _field(container, "volume_mounts", "volumeMounts") or []


def _mount_path(mount):
    return (_field(mount, "mount_path", "mountPath") or "").rstrip("/")


def _mount_key(mount):
    """What a mount shows of its volume: the volume and the subPath ("" for the whole volume)."""
    return (_field(mount, "name", "name"), _field(mount, "sub_path", "subPath") or "")


class Home:
    """The user's home: one volume and one subPath, mounted at one or more paths of the notebook
    container (2i2c's hubs mount it at /home/jovyan and at /home/rstudio)."""

    def __init__(self, volume_name, sub_path, mount_paths):
        self.volume_name = volume_name
        self.sub_path = sub_path
        self.mount_paths = mount_paths


class HomeMount:
    """How the glue recognises the user's home among the notebook container's mounts.

    The writable mounts directly below ``/home`` (``/home/jovyan``, ``/home/rstudio``,
    ``/home/{username}``), whatever their volume is called: ``volume-{user_server}`` in z2jh's
    ``dynamic`` storage, ``home`` in its ``static`` storage and in 2i2c's NFS set-ups. Or the mount at
    ``mount_path``, or the shallowest writable mounts of the volume ``volume_name``. All of them must
    show one volume with one subPath: mounts of one volume with one subPath are one home, wherever
    they are mounted. Mounts of other subPaths of the same volume (2i2c's ``_shared`` folders), the
    whole volume (2i2c admins' ``allusers``) and read-only mounts are never the home.
    """

    def __init__(self, mount_path=None, volume_name=None):
        self.mount_path = mount_path.rstrip("/") if mount_path else None
        self.volume_name = volume_name or None

    def describe(self):
        if self.mount_path:
            return f"mounted at {self.mount_path}"
        if self.volume_name:
            return f"of the volume {self.volume_name!r}"
        return "directly below /home (e.g. /home/jovyan)"

    def _anchors(self, writable, expand):
        if self.mount_path:
            return [m for m in writable if _mount_path(m) == expand(self.mount_path)]
        if self.volume_name:
            named = [m for m in writable if _field(m, "name", "name") == self.volume_name]
            depth = lambda m: _mount_path(m).count("/")  # noqa: E731
            shallowest = min((depth(m) for m in named), default=None)
            return [m for m in named if depth(m) == shallowest]
        return [m for m in writable if re.fullmatch(r"/home/[^/]+", _mount_path(m))]

    def find(self, pod, expand=lambda text: text):
        """The home, or raises ProjectRefused saying why there is not exactly one. `expand` turns
        KubeSpawner's templates in `mount_path` (``/home/{username}``) into the pod's values."""
        notebook = pod.spec.containers[0]
        writable = [m for m in _mounts(notebook) if not _field(m, "read_only", "readOnly")]
        anchors = self._anchors(writable, expand)
        keys = list(dict.fromkeys(_mount_key(m) for m in anchors))
        if len(keys) == 1:
            (volume_name, sub_path) = keys[0]
            paths = [_mount_path(m) for m in writable if _mount_key(m) == keys[0]]
            return Home(volume_name, sub_path, paths)
        hint = (
            "The admin names the home with the chart value projects.home.mountPath "
            "(or projects.home.volumeName)."
        )
        if not keys:
            raise ProjectRefused(
                409,
                "Launchpad: projects need a writable home volume mount "
                f"{self.describe()} in the notebook container; this hub has none, so the project "
                f"cannot be opened. {hint}"
            )
        seen = "; ".join(
            f"{_mount_path(m)} (volume {_field(m, 'name', 'name')!r}, subPath {_mount_key(m)[1]!r})"
            for m in anchors
        )
        raise ProjectRefused(
            409,
            f"Launchpad: the notebook container has several different home mounts {self.describe()}"
            f" — {seen} — so it is not clear which one is the user's home, and the project cannot "
            f"be opened. {hint}"
        )


def _security_ids(pod):
    """The notebook user's uid/gid: the container's, then the pod's; never root."""
    notebook = pod.spec.containers[0]
    ctx = _field(notebook, "security_context", "securityContext")
    pod_ctx = pod.spec.security_context
    uid = _field(ctx, "run_as_user", "runAsUser") or _field(pod_ctx, "run_as_user", "runAsUser")
    gid = (
        _field(ctx, "run_as_group", "runAsGroup")
        or _field(pod_ctx, "run_as_group", "runAsGroup")
        or _field(pod_ctx, "fs_group", "fsGroup")
    )
    # docker-stacks images start as root and switch to NB_UID; the seed copy never runs as root.
    return (uid if uid else 1000), (gid if gid else None)


def _seed_container(pod, home, project_id, uid, gid):
    notebook = pod.spec.containers[0]
    security = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    if gid is not None:
        security["runAsGroup"] = gid
    mount = {"name": home.volume_name, "mountPath": SEED_HOME_ROOT}
    if home.sub_path:
        mount["subPath"] = home.sub_path
    container = {
        "name": SEED_CONTAINER_NAME,
        "image": notebook.image,
        "command": ["/bin/sh", "-c", SEED_SCRIPT],
        "env": [
            {"name": "LAUNCHPAD_PROJECT_ID", "value": project_id},
            {"name": "LAUNCHPAD_HOME_ROOT", "value": SEED_HOME_ROOT},
            {"name": "LAUNCHPAD_HOME_MOUNTS", "value": "\n".join(home.mount_paths)},
            {"name": "LAUNCHPAD_MARKER", "value": SEED_MARKER},
        ],
        "securityContext": security,
        "volumeMounts": [mount],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "256Mi"}},
    }
    pull_policy = _field(notebook, "image_pull_policy", "imagePullPolicy")
    if pull_policy:
        container["imagePullPolicy"] = pull_policy
    return container


def _may_run_privileged(pod, container):
    """Whether an init container may run as root or with privileges: not provably unprivileged."""
    ctx = _field(container, "security_context", "securityContext")
    pod_ctx = pod.spec.security_context
    uid = _field(ctx, "run_as_user", "runAsUser")
    if uid is None:
        uid = _field(pod_ctx, "run_as_user", "runAsUser")
    added = _field(_field(ctx, "capabilities", "capabilities"), "add", "add")
    return uid is None or uid == 0 or bool(_field(ctx, "privileged", "privileged")) or bool(added)


def _seed_position(pod):
    """After every init container that may run as root, before the admin's unprivileged ones.

    The seed runs the user's own image, so it must come after the admin's privileged set-up: root
    ownership fixes of the home (2i2c's ``volume-mount-ownership-fix``), and the network blocks
    that keep user code away from the cloud metadata server (z2jh's ``block-cloud-metadata``,
    https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.3.3/jupyterhub/files/hub/jupyterhub_config.py#L450-L482)
    and from NFS servers (2i2c basehub's ``block-nfs-access``). Init containers run in order.
    """
    position = 0
    for index, container in enumerate(pod.spec.init_containers or []):
        if _may_run_privileged(pod, container):
            position = index + 1
    return position


def apply_project(pod, project_id, user, home=None, expand=lambda text: text):
    """Give the pod the project's folder as its home, and seed the folder once from the image.

    Every mount of the home's volume with the home's subPath, in every container and init
    container (the home mounted at several paths, admins' init containers that mount it too), is
    narrowed to <subPath>/projects/<id>. Mounts of other subPaths of the same volume (shared
    folders) and of the whole volume are left alone. The pod is labelled with Launchpad's labels
    for the user and the project, and annotated with where the files really live.
    """
    if not isinstance(project_id, str) or not PROJECT_ID_RE.match(project_id):
        raise ProjectRefused(
            400, "Launchpad: the project id is not valid; start from the spawn page again."
        )
    home = (home or HomeMount()).find(pod, expand)
    original = home.sub_path
    narrowed = f"{original.rstrip('/')}/projects/{project_id}" if original else f"projects/{project_id}"
    uid, gid = _security_ids(pod)

    for container in _containers(pod):
        for mount in _mounts(container):
            if _mount_key(mount) == (home.volume_name, original):
                _set_field(mount, "sub_path", "subPath", narrowed)

    volume = next((v for v in pod.spec.volumes or [] if _field(v, "name", "name") == home.volume_name), None)
    source = {k: v for k, v in (_to_json(volume) or {}).items() if k != "name"}
    pod.metadata.labels = {
        **(pod.metadata.labels or {}),
        USER_LABEL: label_hash(user),
        PROJECT_LABEL: label_hash(project_id),
    }
    pod.metadata.annotations = {
        **(pod.metadata.annotations or {}),
        METADATA_PREFIX + "user": user,
        METADATA_PREFIX + "project-id": project_id,
        METADATA_PREFIX + "home-volume": json.dumps(source, sort_keys=True),
        METADATA_PREFIX + "home-subpath": original,
        METADATA_PREFIX + "home-mount-path": home.mount_paths[0],
        METADATA_PREFIX + "run-as-uid": str(uid),
        METADATA_PREFIX + "run-as-gid": "" if gid is None else str(gid),
    }

    init_containers = list(pod.spec.init_containers or [])
    init_containers.insert(_seed_position(pod), _seed_container(pod, home, project_id, uid, gid))
    pod.spec.init_containers = init_containers
    return pod


def _apply_project(spawner, pod, home):
    project_id = (spawner.user_options or {}).get(PROJECT_OPTION_KEY)
    if project_id is None or project_id == "":
        return pod
    # As KubeSpawner expands volume_mounts (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L2399-L2401).
    return apply_project(pod, project_id, spawner.user.name, home, spawner._expand_user_properties)


# --------------------------------------------------------------------------------------------
# The seed step on the hub's pending page
# --------------------------------------------------------------------------------------------

#: The seed container's events as the kubelet names the container in them
#: (``involvedObject.fieldPath``, https://github.com/kubernetes/kubernetes/blob/v1.36.5/pkg/kubelet/container/ref.go).
SEED_FIELD_PATH = f"spec.initContainers{{{SEED_CONTAINER_NAME}}}"


class SeedMessages:
    """Rewords the kubelet's events about the seed container for the user, one spawn's worth.

    KubeSpawner's ``progress()`` yields ``{"progress", "raw_event", "message"}`` for each event of
    the pod, the message ``"<lastTimestamp or eventTime> [<type>] <event message>"``
    (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L2748-L2830), and
    the hub sends each dict as it is to the pending page, which shows ``message`` in its log
    (``SpawnProgressAPIHandler``, https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/apihandlers/users.py#L886-L899).
    "Started container launchpad-seed" means nothing to a student, so an event about the seed
    container keeps its dict, time and type and gets a message saying what happens to their
    folder; the first event about any other container after the seed ran says the folder is ready.
    Events of other containers, KubeSpawner's patience messages and anything unknown pass as they
    are.
    """

    def __init__(self, project_id):
        self.folder = f"projects/{project_id}" if project_id else "its folder"
        self.seed_ran = False
        self.done_said = False

    def reword(self, event):
        """The events to send for one of KubeSpawner's: the event, reworded or not, maybe after another."""
        raw = event.get("raw_event") if isinstance(event, dict) else None
        if not isinstance(raw, dict):
            return [event]
        involved = raw.get("involvedObject") or {}
        field_path = involved.get("fieldPath") if isinstance(involved, dict) else None
        if field_path != SEED_FIELD_PATH:
            if self.seed_ran and not self.done_said and isinstance(field_path, str) and field_path:
                self.done_said = True
                ready = {"message": self._line(raw, "Normal", f"Your project's files are ready in {self.folder}.")}
                if "progress" in event:
                    ready["progress"] = event["progress"]
                return [ready, event]
            return [event]
        text = self._text(raw.get("reason"), raw.get("message"))
        if text is None:
            return [event]
        return [{**event, "message": self._line(raw, raw.get("type"), text)}]

    def _text(self, reason, message):
        folder = self.folder
        if reason == "Created":
            return f"Preparing your project: its folder is {folder}."
        if reason == "Started":
            self.seed_ran = True
            return f"Preparing your project: copying its files into {folder} (files already there are kept)…"
        if reason == "BackOff":
            return (
                f"Preparing your project failed: its files could not be copied into {folder}. "
                "The hub tries again; if the start fails, stop it and tell your hub's admin "
                f"(the pod's {SEED_CONTAINER_NAME} container log says why)."
            )
        if reason == "Failed":
            detail = message if isinstance(message, str) else ""
            return f"Preparing your project failed: copying its files into {folder} could not start. {detail}".rstrip()
        # Pulling and Pulled are the image the server runs: they say so already.
        return None

    @staticmethod
    def _line(raw, kind, text):
        # KubeSpawner's own line: the event's time and type first, so the log reads as one.
        return f"{raw.get('lastTimestamp') or raw.get('eventTime')} [{kind}] {text}"


def _project_id_of(spawner):
    project_id = (getattr(spawner, "user_options", None) or {}).get(PROJECT_OPTION_KEY)
    return project_id if isinstance(project_id, str) and PROJECT_ID_RE.match(project_id) else None


def seed_progress(progress):
    """``progress`` (KubeSpawner's method) with the seed step in words (``SeedMessages``).

    Never an outage: rewording that fails sends KubeSpawner's own event, and the wrapped
    generator's own errors, end and close are KubeSpawner's.
    """

    async def launchpad_progress(self):
        messages = None
        async with contextlib.aclosing(progress(self)) as events:
            async for event in events:
                try:
                    if messages is None:
                        messages = SeedMessages(_project_id_of(self))
                    out = messages.reword(event)
                except Exception:
                    self.log.exception("Launchpad: could not reword a progress event; sending it as it is")
                    out = [event]
                for one in out:
                    yield one

    launchpad_progress.__wrapped__ = progress
    launchpad_progress.launchpad_seed_progress = True
    return launchpad_progress


def _install_seed_progress():
    """Wraps ``KubeSpawner.progress`` once. A hook on the class, since JupyterHub may open a
    pending page's stream before any per-spawn hook of the glue has run, and has no config for it;
    a spawner subclass with its own ``progress`` keeps it."""
    from kubespawner import KubeSpawner

    if not getattr(KubeSpawner.progress, "launchpad_seed_progress", False):
        KubeSpawner.progress = seed_progress(KubeSpawner.progress)


# --------------------------------------------------------------------------------------------
# The published profile list (the profile editor: docs/admin-editor.md)
# --------------------------------------------------------------------------------------------

#: Must match PUBLISHED_PROFILE_LIST_FORMAT in contract/profile-editor/schema.ts.
PROFILE_LIST_FORMAT = 1
#: The environment variable holding the token the chart shares between hub and companion.
PROFILE_LIST_TOKEN_ENV = "LAUNCHPAD_PROFILE_LIST_TOKEN"
#: Hub groups that see a profile (absent: everyone). KubeSpawner ignores keys it does not know.
GROUPS_KEY = "launchpad_groups"
#: The only keys the companion writes into a kubespawner_override (OVERRIDE_KEYS in
#: contract/profile-editor/schema.ts; contract/profile-editor/kubespawner.test.ts keeps the two
#: the same). A list from the network naming any other key is refused:
#: overrides can mount host paths or change security contexts, and none of that is editable.
OVERRIDE_KEYS = frozenset(
    {
        "image",
        "cpu_guarantee",
        "cpu_limit",
        "mem_guarantee",
        "mem_limit",
        "node_selector",
        "tolerations",
        "extra_resource_guarantees",
        "extra_resource_limits",
    }
)


class ProfileListRefused(ValueError):
    """The companion answered a profile list the glue will not hand to KubeSpawner."""


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_override(override, where):
    if not isinstance(override, dict):
        raise ProfileListRefused(f"{where}: kubespawner_override is not a mapping")
    unknown = set(override) - OVERRIDE_KEYS
    if unknown:
        raise ProfileListRefused(f"{where}: kubespawner_override sets {', '.join(sorted(unknown))}")
    checks = {
        "image": lambda v: isinstance(v, str) and v != "",
        "cpu_guarantee": _is_number,
        "cpu_limit": _is_number,
        "mem_guarantee": lambda v: isinstance(v, str) or _is_number(v),
        "mem_limit": lambda v: isinstance(v, str) or _is_number(v),
        "node_selector": lambda v: isinstance(v, dict)
        and all(isinstance(k, str) and (x is None or isinstance(x, str)) for k, x in v.items()),
        "tolerations": lambda v: isinstance(v, list) and all(isinstance(t, dict) for t in v),
        "extra_resource_guarantees": lambda v: isinstance(v, dict)
        and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()),
        "extra_resource_limits": lambda v: isinstance(v, dict)
        and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()),
    }
    for key, value in override.items():
        if not checks[key](value):
            raise ProfileListRefused(f"{where}: kubespawner_override.{key} has the wrong type")


def check_published_profile_list(profile_list):
    """The list as the companion writes it, or ProfileListRefused saying what is wrong.

    Structure, unique slugs, override keys and types, and every validation_regex compiled with
    Python's own ``re`` — KubeSpawner matches users' free text with it (``_validate_user_options``,
    https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3665-L3722), so a
    pattern Python refuses would break every start of that profile.
    """
    if not isinstance(profile_list, list) or not profile_list:
        raise ProfileListRefused("the profile list is empty or not a list")
    slugs = set()
    for index, profile in enumerate(profile_list):
        where = f"profile {index + 1}"
        if not isinstance(profile, dict):
            raise ProfileListRefused(f"{where} is not a mapping")
        slug = profile.get("slug")
        if not isinstance(slug, str) or not slug or slug in slugs:
            raise ProfileListRefused(f"{where}: missing or repeated slug {slug!r}")
        slugs.add(slug)
        where = f"profile {slug!r}"
        if not isinstance(profile.get("display_name"), str):
            raise ProfileListRefused(f"{where}: display_name is not text")
        groups = profile.get(GROUPS_KEY, [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise ProfileListRefused(f"{where}: {GROUPS_KEY} is not a list of group names")
        _check_override(profile.get("kubespawner_override", {}), where)
        options = profile.get("profile_options", {})
        if not isinstance(options, dict):
            raise ProfileListRefused(f"{where}: profile_options is not a mapping")
        for key, option in options.items():
            at = f"{where} option {key!r}"
            if not isinstance(option, dict) or not isinstance(option.get("choices", {}), dict):
                raise ProfileListRefused(f"{at} is not a mapping of choices")
            for choice_key, choice in option.get("choices", {}).items():
                if not isinstance(choice, dict):
                    raise ProfileListRefused(f"{at} choice {choice_key!r} is not a mapping")
                _check_override(choice.get("kubespawner_override", {}), f"{at} choice {choice_key!r}")
            unlisted = option.get("unlisted_choice")
            if unlisted is None:
                continue
            if not isinstance(unlisted, dict) or not isinstance(unlisted.get("enabled", False), bool):
                raise ProfileListRefused(f"{at}: unlisted_choice is not a mapping")
            if unlisted.get("kubespawner_override", {}) not in ({}, {"image": "{value}"}):
                raise ProfileListRefused(f"{at}: free text may set only the image")
            regex = unlisted.get("validation_regex")
            if regex is not None:
                if not isinstance(regex, str):
                    raise ProfileListRefused(f"{at}: validation_regex is not text")
                try:
                    re.compile(regex)
                except re.error as error:
                    raise ProfileListRefused(f"{at}: Python refuses validation_regex: {error}") from None
    return profile_list


def _user_groups(spawner):
    """The names of the spawning user's hub groups (JupyterHub's User wraps orm.User.groups)."""
    return {getattr(group, "name", group) for group in (getattr(spawner.user, "groups", None) or [])}


def visible_profiles(profile_list, groups):
    """The profiles a member of ``groups`` sees: those without groups, and those of a group of theirs.

    KubeSpawner accepts any posted slug that is in the list it validates against
    (``_get_profile``), so the list it gets at start must already be the filtered one.
    """
    return [
        p
        for p in profile_list
        if not isinstance(p, dict) or not p.get(GROUPS_KEY) or set(p.get(GROUPS_KEY)) & groups
    ]


async def _fetch_with_tornado(url, token, timeout):
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # JupyterHub's own HTTP client

    response = await AsyncHTTPClient().fetch(
        HTTPRequest(
            url,
            headers={"Authorization": f"token {token}", "Accept": "application/json"},
            connect_timeout=timeout,
            request_timeout=timeout,
            follow_redirects=False,
        )
    )
    return response.body


class PublishedProfileList:
    """``KubeSpawner.profile_list`` as a callable: the list published in Launchpad's editor.

    It fetches ``url`` from the companion over the cluster network with the shared token (never a
    user's), keeps it for ``cache_seconds`` (so a publish reaches spawn pages within that), and
    returns the profiles the spawning user's groups may see. KubeSpawner calls it both to render
    the form and in ``load_user_options`` at start
    (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3868-L3892),
    so a profile hidden from a user is refused even when posted by hand.

    It never raises: while the companion is unreachable, or answers something the glue refuses,
    the last good list is used, and before there was one, the values' list (``fallback``, the
    hub's own ``profile_list``). While nothing is published, the values' list is the list.
    """

    def __init__(self, url, token, fallback=None, cache_seconds=10, timeout_seconds=3, fetch=None, log=None):
        self.url = url
        self.token = token
        self.fallback = fallback
        self.cache_seconds = cache_seconds
        self.timeout_seconds = timeout_seconds
        self._fetch = fetch or _fetch_with_tornado
        self._log = log
        self.good = None  # (version, list): the last list that passed check_published_profile_list
        self.state = "not fetched"
        self._fetched_at = None
        self._pending = None

    # traitlets deep-copies config values into each Configurable (``_load_config``,
    # https://github.com/ipython/traitlets/blob/v5.16.1/traitlets/config/configurable.py#L196),
    # so every user's KubeSpawner would get a copy with an empty cache and no last good list. The list is the hub's, one for all spawners: a copy is the same object.
    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self

    @property
    def log(self):
        if self._log is None:
            from traitlets.log import get_logger  # the hub's log once JupyterHub runs

            self._log = get_logger()
        return self._log

    async def _refresh(self):
        try:
            body = await self._fetch(self.url, self.token, self.timeout_seconds)
            data = json.loads(body)
            if not isinstance(data, dict) or data.get("format") != PROFILE_LIST_FORMAT:
                raise ProfileListRefused(f"format {data.get('format') if isinstance(data, dict) else None!r} is not {PROFILE_LIST_FORMAT}")
            version = data.get("version")
            if version is None:
                state = "nothing published"
                self.good = None
            else:
                profile_list = check_published_profile_list(data.get("profile_list"))
                if self.good is None or self.good[0] != version:
                    self.log.info("Launchpad: profile list version %s is live", version)
                self.good = (version, profile_list)
                state = f"version {version}"
        except Exception as error:  # never an outage: anything wrong keeps the last good list
            kind = "refused" if isinstance(error, ProfileListRefused) else "unreachable"
            state = f"{kind}: {error}"
            if state != self.state:
                keeping = f"version {self.good[0]}" if self.good else "the hub's own profile_list"
                self.log.warning("Launchpad: the published profile list is %s; using %s", state, keeping)
        self.state = state
        self._fetched_at = time.monotonic()

    async def current(self, spawner=None):
        """The whole list in force now (before the group filter)."""
        fresh = self._fetched_at is not None and time.monotonic() - self._fetched_at < self.cache_seconds
        if not fresh:
            if self._pending is None:
                self._pending = asyncio.ensure_future(self._refresh())
            pending = self._pending
            try:
                await pending
            finally:
                if self._pending is pending:
                    self._pending = None
        if self.good is not None:
            return copy.deepcopy(self.good[1])
        return await self._values_list(spawner)

    async def _values_list(self, spawner):
        try:
            return await evaluate_profile_list(self.fallback, spawner)
        except Exception:
            self.log.exception("Launchpad: the hub's own profile_list failed")
            return []

    async def __call__(self, spawner):
        return visible_profiles(await self.current(spawner), _user_groups(spawner))


def _install_published_profile_list(c, url, cache_seconds):
    """``KubeSpawner.profile_list`` becomes the published list; the list set so far is its fallback.

    Without the token in the hub's environment the hub keeps its own list (and says so): a
    misconfiguration must not stop the hub from starting.
    """
    token = os.environ.get(PROFILE_LIST_TOKEN_ENV)
    if not token:
        from traitlets.log import get_logger

        get_logger().error(
            "Launchpad: profile_list_url is set but %s is not in the hub's environment; "
            "the hub keeps its own profile_list",
            PROFILE_LIST_TOKEN_ENV,
        )
        return
    values_list = c.KubeSpawner["profile_list"] if "profile_list" in c.KubeSpawner else None
    c.KubeSpawner.profile_list = PublishedProfileList(url, token, values_list, cache_seconds=cache_seconds)
