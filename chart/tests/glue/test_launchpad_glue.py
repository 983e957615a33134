"""The hub glue against the real KubeSpawner 7.1: forms it renders and pods it changes.

Pods come from KubeSpawner's own get_pod_manifest(), configured the way z2jh and 2i2c's hubs
configure it for each home storage shape, so the mounts the glue narrows are the real ones.
"""

import asyncio
import html as html_lib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "files"))

# KubeSpawner loads a kubeconfig when constructed, and kubernetes_asyncio reads $KUBECONFIG when
# it is imported; this one points at a closed port, since nothing here talks to a cluster.
_KUBECONFIG = Path(tempfile.mkdtemp(prefix="launchpad-glue-")) / "config"
_KUBECONFIG.write_text(
    "apiVersion: v1\nkind: Config\n"
    'clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]\n'
    "users: [{name: none, user: {token: none}}]\n"
    "contexts: [{name: none, context: {cluster: none, user: none, namespace: hub}}]\n"
    "current-context: none\n"
)
os.environ["KUBECONFIG"] = str(_KUBECONFIG)

import launchpad_glue  # noqa: E402
from kubespawner import KubeSpawner  # noqa: E402
from traitlets.config import Config  # noqa: E402

PROJECT = "octave-03025a1b"


class User:
    def __init__(self, name):
        self.name = name
        self.id = 7
        self.url = f"/user/{name}/"


def run(coro):
    return asyncio.run(coro)


def make_spawner(c, user_options=None, name="alice"):
    spawner = KubeSpawner(config=c, _mock=True, user=User(name))
    spawner.user_options = user_options or {}
    return spawner


async def pod_for(c, user_options, name="alice"):
    spawner = make_spawner(c, user_options, name)
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


def z2jh_dynamic():
    """z2jh singleuser.storage.type=dynamic: a claim per user or server, no subPath, the volume
    named from storage.dynamic.volumeNameTemplate (z2jh jupyterhub_config.py)."""
    c = Config()
    c.KubeSpawner.volumes = [
        {"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
    ]
    c.KubeSpawner.volume_mounts = [{"name": "volume-{user_server}", "mountPath": "/home/jovyan"}]
    c.KubeSpawner.uid = 1000
    c.KubeSpawner.fs_gid = 100
    c.KubeSpawner.profile_list = [IMAGE_PROFILE]
    return c


def z2jh_static():
    """z2jh singleuser.storage.type=static: one shared claim, a subPath per user."""
    c = z2jh_dynamic()
    c.KubeSpawner.volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "homes"}}]
    c.KubeSpawner.volume_mounts = [
        {"name": "home", "mountPath": "/home/jovyan", "subPath": "{username}"}
    ]
    return c


def nfs_2i2c(home="/home/jovyan"):
    """2i2c's hubs: storage none + an NFS volume via extraVolumes, shared folders, init containers."""
    c = z2jh_dynamic()
    c.KubeSpawner.volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "home-nfs"}}]
    c.KubeSpawner.volume_mounts = {
        "00-home": {"name": "home", "mountPath": home, "subPath": "{escaped_username}"},
        "01-shared-public": {
            "name": "home",
            "mountPath": f"{home}/shared-public",
            "subPath": "_shared-public",
        },
        "02-shared": {
            "name": "home",
            "mountPath": f"{home}/shared",
            "subPath": "_shared",
            "readOnly": True,
        },
    }
    c.KubeSpawner.init_containers = [
        {
            "name": "volume-mount-ownership-fix",
            "image": "busybox:1.36",
            "command": ["sh", "-c", "chown 1000:1000 /home/jovyan"],
            "securityContext": {"runAsUser": 0},
            "volumeMounts": [
                {"name": "home", "mountPath": "/home/jovyan", "subPath": "{escaped_username}"}
            ],
        },
        {
            "name": "jupyterhub-gitpuller-init",
            "image": "gitpuller:1",
            "securityContext": {"runAsUser": 1000, "runAsGroup": 1000},
            "volumeMounts": [
                {"name": "home", "mountPath": "/home/jovyan", "subPath": "{escaped_username}"}
            ],
        },
    ]
    return c


def mounts(container):
    raw = launchpad_glue._to_json(container).get("volumeMounts", [])
    return [(m["mountPath"], m.get("subPath", "")) for m in raw]


def init_by_name(pod):
    return {c["name"]: c for c in launchpad_glue._to_json(pod.spec.init_containers or [])}


BUILT = {"profile": "build", "image--unlisted-choice": "registry.example/u-octave:abc"}


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
    # The fallback shows descriptions as text, names escaped.
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


def test_no_profiles_means_no_form():
    c = Config()
    launchpad_glue.install(c)
    assert render(c) == ""


def test_fallback_posts_kubespawner_fields_and_preselects_saved_options():
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = [
        {"display_name": "Small", "slug": "small"},
        IMAGE_PROFILE,
    ]
    launchpad_glue.install(c)
    saved = {"profile": "build", "image--unlisted-choice": "me/img:1"}
    html = render(c, saved)
    assert 'name="profile" id="launchpad-fallback-profile-build" value="build" checked' in html
    assert 'name="profile-option-build--image"' in html
    assert 'name="profile-option-build--image--unlisted-choice"' in html
    assert 'value="me/img:1"' in html
    assert 'value="small" checked' not in html


def test_saved_profile_that_no_longer_exists_falls_back_to_the_default():
    c = z2jh_dynamic()
    c.KubeSpawner.profile_list = [{"display_name": "Small", "slug": "small"}, IMAGE_PROFILE]
    launchpad_glue.install(c)
    html = render(c, {"profile": "gone"})
    assert 'value="small" checked' in html


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
    # user_options set through the REST API (POST /users/:name/server takes any JSON object).
    "saved options from the REST API with a list as the profile": (
        [{"display_name": "Small", "slug": "small"}, {"display_name": "Large", "slug": "large"}],
        {"profile": ["large"]},
    ),
}


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
    assert not pod.spec.init_containers
    assert not any(k.startswith("launchpad.jupyter.org/") for k in pod.metadata.annotations)


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
    env = {e["name"]: e["value"] for e in seed["env"]}
    assert env["LAUNCHPAD_PROJECT_ID"] == PROJECT and env["LAUNCHPAD_IMAGE_HOME"] == "/home/jovyan"


def test_shared_volume_with_user_subpath_is_narrowed_below_the_user_folder():
    c = z2jh_static()
    launchpad_glue.install(c)
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert mounts(pod.spec.containers[0]) == [("/home/jovyan", f"alice/projects/{PROJECT}")]
    assert pod.metadata.annotations["launchpad.jupyter.org/home-subpath"] == "alice"
    seed = init_by_name(pod)["launchpad-seed"]
    assert seed["volumeMounts"][0]["subPath"] == "alice"


def test_nfs_home_narrows_every_home_mount_and_leaves_shared_folders():
    c = nfs_2i2c()
    launchpad_glue.install(c)
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}, name="bob.smith@example.org"))
    escaped = pod.metadata.annotations["launchpad.jupyter.org/home-subpath"]
    assert escaped and escaped != "bob.smith@example.org"  # KubeSpawner escaped it
    narrowed = f"{escaped}/projects/{PROJECT}"
    assert mounts(pod.spec.containers[0]) == [
        ("/home/jovyan", narrowed),
        ("/home/jovyan/shared-public", "_shared-public"),
        ("/home/jovyan/shared", "_shared"),
    ]
    names = [c["name"] for c in launchpad_glue._to_json(pod.spec.init_containers)]
    # The root ownership fix runs first, then the seed, then the admin's other init containers.
    assert names == ["volume-mount-ownership-fix", "launchpad-seed", "jupyterhub-gitpuller-init"]
    inits = init_by_name(pod)
    assert mounts(inits["jupyterhub-gitpuller-init"]) == [("/home/jovyan", narrowed)]
    assert mounts(inits["volume-mount-ownership-fix"]) == [("/home/jovyan", narrowed)]
    assert inits["launchpad-seed"]["volumeMounts"][0]["subPath"] == escaped


def test_rstudio_home_path_is_what_the_seed_copies():
    c = nfs_2i2c(home="/home/rstudio")
    launchpad_glue.install(c)
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert pod.metadata.annotations["launchpad.jupyter.org/home-mount-path"] == "/home/rstudio"
    env = {e["name"]: e["value"] for e in init_by_name(pod)["launchpad-seed"]["env"]}
    assert env["LAUNCHPAD_IMAGE_HOME"] == "/home/rstudio"


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
    c = z2jh_dynamic()
    c.KubeSpawner.volumes = []
    c.KubeSpawner.volume_mounts = []
    launchpad_glue.install(c)
    with pytest.raises(launchpad_glue.ProjectRefused) as refused:
        run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert_shown_by_the_hub(
        refused.value, 409, "one writable home volume mount directly below /home"
    )


def test_homes_elsewhere_are_named_by_the_admin():
    c = z2jh_dynamic()
    c.KubeSpawner.volume_mounts = [{"name": "volume-{user_server}", "mountPath": "/srv/data"}]
    launchpad_glue.install(c)
    with pytest.raises(launchpad_glue.ProjectRefused, match="home_mount_path"):
        run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    c = z2jh_dynamic()
    c.KubeSpawner.volume_mounts = [{"name": "volume-{user_server}", "mountPath": "/srv/data"}]
    launchpad_glue.install(c, home_mount_path="/srv/data/")
    pod = run(pod_for(c, {**BUILT, "launchpad-project": PROJECT}))
    assert mounts(pod.spec.containers[0]) == [("/srv/data", f"projects/{PROJECT}")]


# ------------------------------------------------------------------------------------------
# The seed script, run for real on a local folder
# ------------------------------------------------------------------------------------------


def seed(tmp_path, image_home, project=PROJECT):
    env = {
        "PATH": os.environ["PATH"],
        "LAUNCHPAD_PROJECT_ID": project,
        "LAUNCHPAD_HOME_ROOT": str(tmp_path / "home-root"),
        "LAUNCHPAD_IMAGE_HOME": str(image_home),
        "LAUNCHPAD_MARKER": launchpad_glue.SEED_MARKER,
    }
    (tmp_path / "home-root").mkdir(exist_ok=True)
    return subprocess.run(
        ["/bin/sh", "-c", launchpad_glue.SEED_SCRIPT], env=env, capture_output=True, text=True
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
