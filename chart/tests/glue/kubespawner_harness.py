"""Runs the real KubeSpawner and the real glue for the TypeScript tests.

Reads JSON from stdin and writes JSON. Profiles: {"profile_list": [...], "spawns": [user_options, ...]}
gives

- "spawns": for each user_options, the traits KubeSpawner ends up with after its own
  load_user_options() (image, CPU, memory, node selector, tolerations, extra resources), or the
  error it raised;
- "public": the glue's public_profiles() of the list, what the spawn page receives;
- "override_keys": the override keys the glue accepts in a published list.

contract/profile-editor/kubespawner.test.ts generates lists with the companion's code and checks
here that KubeSpawner reads them as the editor promised.

Pods: {"pods": [{"user", "admin"?, "user_options", "hub_values"?, "relabel"?}, ...]}
gives "pods": for each, the pod KubeSpawner would create (get_pod_manifest, then the glue's chained
modify_pod_hook) as API JSON, or the error. The hub is configured from `hub_values` (z2jh values,
e.g. a real hub's file, as e2e/hub/z2jh_singleuser.py builds them; default z2jh's defaults with
one buildable profile). `relabel` is an admin hook run before the glue's: "kubespawner-6" gives
the pod KubeSpawner 6.2's escaped username label
(https://github.com/jupyterhub/kubespawner/blob/6.2.0/kubespawner/spawner.py#L1853-L1863),
"drop-username" removes it, as admins' spawner subclasses do.
server/src/projects/project-pods.kube.test.ts creates these pods in a real API server and checks
that the companion finds them.
"""

import asyncio
import json
import os
import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

sys.path.insert(0, str(HERE.parent.parent.parent / "e2e" / "hub"))

import offline_kube  # noqa: E402, F401  (before kubespawner: no cluster)
import escapism  # noqa: E402
import launchpad_glue  # noqa: E402
import z2jh_singleuser  # noqa: E402
from kubernetes_asyncio.client import ApiClient  # noqa: E402
from kubespawner import KubeSpawner  # noqa: E402
from traitlets.config import Config  # noqa: E402

#: The traits the companion may set through an override: the glue's own list of them.
TRAITS = sorted(launchpad_glue.OVERRIDE_KEYS)


class User:
    def __init__(self, name="alice", admin=False):
        self.name = name
        self.admin = admin
        self.id = 7
        self.url = f"/user/{name}/"


BUILDABLE = [
    {
        "display_name": "Build",
        "slug": "build",
        "profile_options": {
            "image": {
                "display_name": "Image",
                "dynamic_image_building": {"enabled": True},
                "unlisted_choice": {"enabled": True, "kubespawner_override": {"image": "{value}"}},
            }
        },
    }
]


def _relabel(how):
    def hook(spawner, pod):
        labels = pod.metadata.labels
        if how == "kubespawner-6":
            labels["hub.jupyter.org/username"] = escapism.escape(
                spawner.user.name, safe=set(string.ascii_lowercase + string.digits), escape_char="-"
            ).lower()
        elif how == "drop-username":
            del labels["hub.jupyter.org/username"]
        return pod

    return hook


async def pod(request):
    values = request.get("hub_values") or {"singleuser": {"profileList": BUILDABLE}}
    c = Config()
    singleuser, custom = z2jh_singleuser.singleuser_values(values)
    z2jh_singleuser.configure(c, singleuser)
    hooks = []
    if z2jh_singleuser.jupyterhub_values(values)[1]:
        hooks.append(z2jh_singleuser.basehub_modify_pod_hook(custom))
    if request.get("relabel"):
        hooks.append(_relabel(request["relabel"]))

    def admin_hook(spawner, pod):
        for hook in hooks:
            pod = hook(spawner, pod)
        return pod

    c.KubeSpawner.modify_pod_hook = admin_hook
    launchpad_glue.install(c)
    spawner = KubeSpawner(config=c, _mock=True, user=User(request["user"], request.get("admin", False)))
    spawner.user_options = request["user_options"]
    try:
        await spawner.load_user_options()
        manifest = await spawner.modify_pod_hook(spawner, await spawner.get_pod_manifest())
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    async with ApiClient() as client:
        return client.sanitize_for_serialization(manifest)


async def spawn(profile_list, base, user_options):
    c = Config()
    for key, value in base.items():
        c.KubeSpawner[key] = value
    c.KubeSpawner.profile_list = profile_list
    spawner = KubeSpawner(config=c, _mock=True, user=User())
    spawner.user_options = user_options
    try:
        await spawner.load_user_options()
    except Exception as error:  # KubeSpawner raises ValueError/KeyError for bad options
        return {"error": f"{type(error).__name__}: {error}"}
    return {"traits": {name: getattr(spawner, name) for name in TRAITS}}


def main():
    request = json.load(sys.stdin)
    if "pods" in request:
        json.dump({"pods": [asyncio.run(pod(r)) for r in request["pods"]]}, sys.stdout)
        return
    base = request.get("base", {})
    spawns = [asyncio.run(spawn(request["profile_list"], base, u)) for u in request["spawns"]]
    json.dump(
        {
            "spawns": spawns,
            "public": launchpad_glue.public_profiles(request["profile_list"]),
            "override_keys": TRAITS,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
