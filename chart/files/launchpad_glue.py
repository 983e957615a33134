"""Launchpad's hub glue: the only Launchpad code that runs inside JupyterHub.

Load it last in the hub's configuration (z2jh runs ``hub.extraConfig`` in sorted key order after
the ``jupyterhub_config.d`` files), so that it sees and chains the admin's own hooks::

    import sys; sys.path.insert(0, "/usr/local/etc/launchpad"); import launchpad_glue; launchpad_glue.install(c)

It does two things, and imports nothing that an unmodified z2jh hub image lacks:

1. ``KubeSpawner.options_form`` becomes a callable that renders the spawn form: an allow-listed
   JSON copy of the profile list (never ``kubespawner_override``: it holds env vars, secrets and
   node selectors), the saved ``user_options``, a plain fallback form that starts servers when the
   Launchpad bundle cannot load, and a loader that finds the companion under ``jhdata.prefix``.
2. ``KubeSpawner.modify_pod_hook`` is wrapped: the admin's hook runs first, then, when the user
   starts on a project, the home mount is narrowed to that project's folder (see ``_apply_project``).

KubeSpawner's own form parser (``options_from_form``) is kept: the page posts exactly the fields
KubeSpawner's ``form.html`` would, so validation and ``user_options`` stay KubeSpawner's.
"""

import copy
import html
import inspect
import json
import re
from html.parser import HTMLParser

from slugify import slugify  # python-slugify: KubeSpawner's own dependency (spawner.py:29)

#: Must match SPAWN_PAGE_CONTRACT_VERSION in contract/spawn-page.ts.
CONTRACT_VERSION = 1
DATA_ELEMENT_ID = "launchpad-spawn-data"
MOUNT_ELEMENT_ID = "launchpad-root"
#: The user_options key the page posts a project id under (profile-option-<slug>--launchpad-project).
PROJECT_OPTION_KEY = "launchpad-project"
#: Must match PROJECT_ID_PATTERN in contract/projects.ts: the id names a folder, so nothing else passes.
PROJECT_ID_RE = re.compile(r"\A[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?\Z")
SERVICE_NAME_RE = re.compile(r"\A[a-zA-Z0-9._-]+\Z")


def install(c, service_name="launchpad"):
    """Configure KubeSpawner on the traitlets config object ``c`` of the hub."""
    if not SERVICE_NAME_RE.match(service_name):
        raise ValueError(f"launchpad_glue: invalid service name {service_name!r}")

    async def options_form(spawner):
        return await render_options_form(spawner, service_name)

    c.KubeSpawner.options_form = options_form
    # traitlets creates a LazyConfigValue on attribute access to an unset key, so test membership.
    admin_hook = c.KubeSpawner["modify_pod_hook"] if "modify_pod_hook" in c.KubeSpawner else None
    c.KubeSpawner.modify_pod_hook = _chain_modify_pod_hook(admin_hook)


# --------------------------------------------------------------------------------------------
# The spawn form
# --------------------------------------------------------------------------------------------


async def _resolve_profile_list(spawner):
    """The profile list as KubeSpawner 7.1 sees it: list, dict sorted by key, or callable."""
    profile_list = spawner.profile_list
    if callable(profile_list):
        profile_list = profile_list(spawner)
        if inspect.isawaitable(profile_list):
            profile_list = await profile_list
    elif isinstance(profile_list, dict):
        # spawner.py:2208-2215: profiles are ordered by sorted outer key.
        profile_list = [profile_list[k] for k in sorted(profile_list)]
    return copy.deepcopy(list(profile_list or []))


def _text(value):
    return value if isinstance(value, str) else None


def public_profiles(profile_list):
    """Allow-listed display fields, with KubeSpawner's defaults (spawner.py:3827-3866)."""
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


def _fallback_form(profiles, user_options):
    """A form that starts servers with KubeSpawner's own fields when the bundle cannot load."""
    saved_slug = user_options.get("profile")
    if saved_slug not in {p["slug"] for p in profiles}:
        saved_slug = None
    e = html.escape
    single = len(profiles) == 1
    out = ['<fieldset class="launchpad-fallback"><legend>Choose what to start</legend>']
    for profile in profiles:
        slug = profile["slug"]
        checked = slug == saved_slug or (saved_slug is None and profile["default"])
        radio_id = f"launchpad-fallback-profile-{e(slug)}"
        out.append('<div class="launchpad-fallback-profile">')
        out.append(
            f'<input type="radio" name="profile" id="{radio_id}" value="{e(slug)}"'
            f'{" checked" if checked or single else ""}{" hidden" if single else ""}>'
        )
        out.append(f'<label for="{radio_id}"><strong>{e(profile["display_name"])}</strong>')
        if profile.get("description"):
            out.append(f" — {e(_plain_text(profile['description']))}")
        out.append("</label>")
        for option in profile["profile_options"]:
            name = f"profile-option-{slug}--{option['key']}"
            saved = user_options.get(option["key"]) if slug == saved_slug else None
            if option["choices"]:
                out.append(
                    f'<div><label for="{e(name)}">{e(option["display_name"])}</label> '
                    f'<select name="{e(name)}" id="{e(name)}">'
                )
                for choice in option["choices"]:
                    selected = choice["key"] == saved or (saved is None and choice["default"])
                    out.append(
                        f'<option value="{e(choice["key"])}"{" selected" if selected else ""}>'
                        f'{e(choice["display_name"])}</option>'
                    )
                out.append("</select></div>")
            unlisted = option["unlisted_choice"]
            if unlisted["enabled"]:
                # KubeSpawner lets a non-empty free-text value win over the choice (spawner.py:3793-3823).
                label = unlisted.get("display_name") or unlisted["display_name_in_choices"]
                saved_text = user_options.get(option["key"] + "--unlisted-choice") if slug == saved_slug else None
                value = saved_text if isinstance(saved_text, str) else ""
                hint = " (leave empty to use the list)" if option["choices"] else ""
                out.append(
                    f'<div><label for="{e(name)}--unlisted-choice">{e(label)}{hint}</label> '
                    f'<input type="text" name="{e(name)}--unlisted-choice" id="{e(name)}--unlisted-choice" '
                    f'value="{e(value)}"></div>'
                )
        out.append("</div>")
    out.append("</fieldset>")
    return "".join(out)


_LOADER = """<script type="module">
(() => {
  const root = document.getElementById("%(mount)s");
  const base = (window.jhdata && window.jhdata.prefix) || "/";
  import(base + "services/%(service)s/static/launchpad.js").catch((error) => {
    console.warn("Launchpad could not load; the basic form is shown instead.", error);
    root.dataset.launchpadState = "fallback";
  });
})();
</script>"""


def render_spawn_form(profiles, user_options, service_name, user, server_name):
    """The whole options form: data, fallback inside the mount point, loader."""
    saved = user_options if isinstance(user_options, dict) else {}
    data = {
        "version": CONTRACT_VERSION,
        "service_name": service_name,
        "user": user,
        "server_name": server_name,
        "profiles": profiles,
        "user_options": saved,
    }
    return (
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{_json_for_script(data)}</script>'
        f'<div id="{MOUNT_ELEMENT_ID}" class="launchpad" data-launchpad-state="loading">'
        f"{_fallback_form(profiles, saved)}</div>"
        + _LOADER % {"mount": MOUNT_ELEMENT_ID, "service": service_name}
    )


async def render_options_form(spawner, service_name="launchpad"):
    profile_list = await _resolve_profile_list(spawner)
    if not profile_list:
        return ""  # no profiles: JupyterHub spawns without showing a form, as KubeSpawner does
    return render_spawn_form(
        public_profiles(profile_list),
        spawner.user_options or {},
        service_name,
        spawner.user.name,
        spawner.name or "",
    )


# --------------------------------------------------------------------------------------------
# The pod
# --------------------------------------------------------------------------------------------


def _chain_modify_pod_hook(admin_hook):
    async def modify_pod_hook(spawner, pod):
        if admin_hook is not None:
            result = admin_hook(spawner, pod)
            if inspect.isawaitable(result):
                result = await result
            pod = result if result is not None else pod
        return _apply_project(spawner, pod)

    return modify_pod_hook


def _apply_project(spawner, pod):
    """Narrow the home mount to the project's folder when the user starts on a project."""
    project_id = (spawner.user_options or {}).get(PROJECT_OPTION_KEY)
    if project_id is None or project_id == "":
        return pod
    if not isinstance(project_id, str) or not PROJECT_ID_RE.match(project_id):
        raise ValueError("Launchpad: the project id is not valid; start from the spawn page again.")
    return pod
