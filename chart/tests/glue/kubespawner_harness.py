"""Runs a profile list through the real KubeSpawner and the real glue, for the TypeScript tests.

Reads JSON from stdin: {"profile_list": [...], "spawns": [user_options, ...]} and writes JSON:

- "spawns": for each user_options, the traits KubeSpawner ends up with after its own
  load_user_options() (image, CPU, memory, node selector, tolerations, extra resources), or the
  error it raised;
- "public": the glue's public_profiles() of the list, what the spawn page receives.

contract/profile-editor/kubespawner.test.ts generates lists with the companion's code and checks
here that KubeSpawner reads them as the editor promised.
"""

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "files"))

_KUBECONFIG = Path(tempfile.mkdtemp(prefix="launchpad-harness-")) / "config"
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

TRAITS = [
    "image",
    "cpu_guarantee",
    "cpu_limit",
    "mem_guarantee",
    "mem_limit",
    "node_selector",
    "tolerations",
    "extra_resource_guarantees",
    "extra_resource_limits",
]


class User:
    name = "alice"
    id = 7
    url = "/user/alice/"


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
    base = request.get("base", {})
    spawns = [asyncio.run(spawn(request["profile_list"], base, u)) for u in request["spawns"]]
    json.dump({"spawns": spawns, "public": launchpad_glue.public_profiles(request["profile_list"])}, sys.stdout)


if __name__ == "__main__":
    main()
