"""The e2e hub: real JupyterHub + real KubeSpawner (recording its pods) + CHP + Launchpad's glue.

Configured from the environment (e2e/support/stack.ts sets all of it):

  E2E_HUB_PORT          public port of the proxy (required)
  E2E_HUB_API_PORT      the hub's own port (required; two hubs run side by side)
  E2E_PROXY_API_PORT    CHP's REST API port (required)
  E2E_BASE_URL          the hub's base URL, "/" (default) or e.g. "/jh/"
  E2E_STATE_DIR         a temp dir: sqlite db, cookie secret, CHP pid file, kubeconfig (required)
  E2E_RECORD_DIR        where the spawner records pod manifests (required)
  E2E_PROFILES          a YAML/JSON file: a profile list, or z2jh values holding one; absolute,
                        or relative to e2e/hub/profiles/ (default: default.yaml)
  E2E_COMPANION_PORT    where the Launchpad companion listens (required)
  E2E_COMPANION_TOKEN   the companion's api_token (required)
  E2E_ADMIN_TOKEN       a token for the tests' own admin service (required)
  E2E_KUBECONFIG        a kubeconfig of the test cluster's kube-apiserver (z2jh's hub ServiceAccount),
                        where KubeSpawner creates, watches and deletes users' PVCs and pods (required)
  E2E_NAMESPACE         KubeSpawner's namespace (default "e2e")
  E2E_STORAGE           "dynamic" (default; z2jh storage.type=dynamic) or "shared" (one volume
                        "home", per-user subPath: z2jh storage.type=static, 2i2c's NFS homes)
  E2E_HUB_VALUES        a real hub's values file (e2e/fixtures/real-hubs): the user pods' storage,
                        uid, init containers and (2i2c's hubs) basehub's modify_pod_hook come from it
                        as z2jh and basehub make them (z2jh_singleuser.py); E2E_STORAGE is then unused
  E2E_NAMED_SERVERS     "1" turns on c.JupyterHub.allow_named_servers
  E2E_PROJECT_SERVERS   "1": with named servers, each project starts in its own (the glue's
                        project_servers; off by default, so specs that only open a second spawn
                        page keep projects in the default server)
  E2E_ADMIN_USERS       comma-separated c.Authenticator.admin_users (default: none)
  E2E_GROUPS            a JSON object of hub groups and their members (c.JupyterHub.load_groups)
  E2E_PROFILE_LIST_URL  the companion's api/hub/profile-list: the glue serves the published list
                        (with LAUNCHPAD_PROFILE_LIST_TOKEN in the environment, as the chart sets it)
  E2E_PROFILE_LIST_CACHE_SECONDS  how long the glue keeps it (default 10)
  E2E_SLOW_SPAWN_TIMEOUT  the hub's slow_spawn_timeout in seconds (default 0, as z2jh)
  E2E_START_TIMEOUT     KubeSpawner's start_timeout in seconds (default 60)
  E2E_SPAWN_FORM        "launchpad" (default: Launchpad's glue) or "fancy-profiles": the hub runs
                        jupyterhub-fancy-profiles instead (installed in its venv), for the bench's
                        side-by-side figures (bench/spawn-page.ts)
  E2E_FANCY_PROFILES_STATIC  with fancy-profiles: serve its form.js from this folder instead of the
                        package's own (a production build of the same release)
  E2E_COMPRESS          "1": the hub gzips its responses (tornado's compress_response), as a hub
                        behind a compressing ingress serves them (the bench compares pages served so)

The order below follows z2jh's jupyterhub_config.py: chart settings (services, roles, profile
list), then ``hub.extraConfig`` snippets exec'd in sorted key order
(https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.4.0/jupyterhub/files/hub/jupyterhub_config.py#L539-L542):
the admin's own hook first, then the one line the Launchpad chart's NOTES print.
"""

import json
import os
import sys
from pathlib import Path

import yaml

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"e2e jupyterhub_config: {name} must be set")
    return value


STATE_DIR = Path(env("E2E_STATE_DIR"))
STATE_DIR.mkdir(parents=True, exist_ok=True)
BASE_URL = env("E2E_BASE_URL", "/")
if not (BASE_URL.startswith("/") and BASE_URL.endswith("/")):
    raise SystemExit(f"E2E_BASE_URL must start and end with '/': {BASE_URL!r}")

# --- the hub, the proxy, storage ---------------------------------------------------------------

c.JupyterHub.bind_url = f"http://127.0.0.1:{int(env('E2E_HUB_PORT'))}{BASE_URL}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{int(env('E2E_HUB_API_PORT'))}"
c.JupyterHub.db_url = f"sqlite:///{STATE_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE_DIR / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [str(REPO / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env('E2E_PROXY_API_PORT'))}"
c.ConfigurableHTTPProxy.pid_file = str(STATE_DIR / "proxy.pid")
# As z2jh: "Do not shut down user pods when hub is restarted"
# (https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.4.0/jupyterhub/files/hub/jupyterhub_config.py);
# the stack stops them with the test cluster.
c.JupyterHub.cleanup_servers = False
c.JupyterHub.cleanup_proxy = True
# As z2jh does (https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.4.0/jupyterhub/files/hub/jupyterhub_config.py#L57-L59):
# spawns return at once, errors arrive through progress. E2E_SLOW_SPAWN_TIMEOUT sets another value
# (JupyterHub's own default is 10 s: a spawn failing within the first second then fails the POST).
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": int(env("E2E_SLOW_SPAWN_TIMEOUT", "0"))}
if os.environ.get("E2E_COMPRESS") == "1":
    c.JupyterHub.tornado_settings["compress_response"] = True

# Any username, any password (the DummyAuthenticator's own default).
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {name for name in env("E2E_ADMIN_USERS", "").split(",") if name}
c.JupyterHub.load_groups = {
    name: {"users": users} for name, users in json.loads(env("E2E_GROUPS", "{}")).items()
}

# --- KubeSpawner, on the test cluster -------------------------------------------------------------

# The test cluster's kubeconfig (z2jh's hub ServiceAccount): KubeSpawner creates, watches and
# deletes its PVCs and pods there, and the cluster's test kubelet runs the stand-in single-user
# server for each pod. Never the in-cluster config.
NAMESPACE = env("E2E_NAMESPACE", "e2e")
os.environ["KUBECONFIG"] = env("E2E_KUBECONFIG")
os.environ.pop("KUBERNETES_SERVICE_HOST", None)

c.JupyterHub.spawner_class = "recording_spawner.RecordingKubeSpawner"
c.KubeSpawner.namespace = NAMESPACE
# KubeSpawner's default: the test kubelet writes the scheduler's and the kubelet's Events, which
# KubeSpawner relays on the hub's pending page (server/test-support/kube/pod-events.ts).
c.KubeSpawner.events_enabled = True
# How long KubeSpawner waits for the pod to run (z2jh's default is 300 s; a pod that fails waits it out).
c.KubeSpawner.start_timeout = int(env("E2E_START_TIMEOUT", "60"))
c.KubeSpawner.http_timeout = 30
# z2jh 4.x's defaults for singleuser.image and storage.type=dynamic, in the chart's own shapes
# (jupyterhub_config.py "Configure dynamically provisioning pvc"; values.yaml pvcNameTemplate and
# volumeNameTemplate). Note the home volume is NOT called "home" here: only static storage and
# extraVolumes set-ups use that name.
c.KubeSpawner.image = "quay.io/jupyterhub/k8s-singleuser-sample:4.2.0"
STORAGE = env("E2E_STORAGE", "dynamic") or "dynamic"
HUB_VALUES = env("E2E_HUB_VALUES", "")
#: basehub's own modify_pod_hook when E2E_HUB_VALUES is a 2i2c hub's (the admin's hook runs it).
BASEHUB_HOOK = None
if HUB_VALUES:
    import z2jh_singleuser

    hub_values = yaml.safe_load(Path(HUB_VALUES).read_text(encoding="utf-8"))
    singleuser, custom = z2jh_singleuser.singleuser_values(hub_values)
    z2jh_singleuser.configure(c, singleuser)  # its profile list is replaced below (E2E_PROFILES)
    if z2jh_singleuser.jupyterhub_values(hub_values)[1]:
        BASEHUB_HOOK = z2jh_singleuser.basehub_modify_pod_hook(custom)
elif STORAGE == "dynamic":
    c.KubeSpawner.pvc_name_template = "claim-{user_server}"
    c.KubeSpawner.storage_pvc_ensure = True  # as z2jh, with its default singleuser.storage.capacity
    c.KubeSpawner.storage_capacity = "10Gi"
    c.KubeSpawner.volumes = [{"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
    c.KubeSpawner.volume_mounts = [{"mountPath": "/home/jovyan", "name": "volume-{user_server}"}]
elif STORAGE == "shared":
    # z2jh storage.type=static (jupyterhub_config.py "Configure static pvc"): one existing claim,
    # volume "home", each user's home a subPath of it (values.yaml storage.static.subPath).
    c.KubeSpawner.storage_pvc_ensure = False
    c.KubeSpawner.volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "home-nfs"}}]
    c.KubeSpawner.volume_mounts = [{"mountPath": "/home/jovyan", "name": "home", "subPath": "{username}"}]
else:
    raise SystemExit(f"E2E_STORAGE must be dynamic or shared: {STORAGE!r}")

c.JupyterHub.allow_named_servers = os.environ.get("E2E_NAMED_SERVERS") == "1"

def load_profile_list(path_text):
    path = Path(path_text)
    if not path.is_absolute():
        path = HERE / "profiles" / path
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        return data
    for keys in (("jupyterhub", "singleuser", "profileList"), ("basehub", "jupyterhub", "singleuser", "profileList"), ("singleuser", "profileList")):
        node = data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list):
            return node
    raise SystemExit(f"e2e jupyterhub_config: no profile list in {path}")


c.KubeSpawner.profile_list = load_profile_list(env("E2E_PROFILES", "default.yaml"))

# --- services and roles, as the Launchpad docs tell a z2jh admin (hub.services, hub.loadRoles) ---

COMPANION_URL = f"http://127.0.0.1:{int(env('E2E_COMPANION_PORT'))}"
c.JupyterHub.services = [
    {
        "name": "launchpad",
        "url": COMPANION_URL,
        "api_token": env("E2E_COMPANION_TOKEN"),
        "oauth_no_confirm": True,
    },
    # Not part of Launchpad: the tests' own handle to stop servers and inspect users.
    {"name": "e2e-admin", "api_token": env("E2E_ADMIN_TOKEN")},
]
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", "access:services!service=launchpad"]},
    # As the chart's NOTES print it (server/src/permissions.ts): the companion's own token needs
    # BinderHub to accept it and to look up an admin's ?user= by name.
    {"name": "launchpad", "scopes": ["read:users:name", "access:services!service=binder"], "services": ["launchpad"]},
    {"name": "e2e-admin", "scopes": ["admin:users", "admin:servers", "read:users", "read:servers"], "services": ["e2e-admin"]},
]

# --- hub.extraConfig, exec'd in sorted key order as z2jh does -------------------------------------

ADMIN_HOOK = '''
def admin_modify_pod_hook(spawner, pod):
    pod.metadata.labels["admin-hook"] = "ran"
    return BASEHUB_HOOK(spawner, pod) if BASEHUB_HOOK else pod

c.KubeSpawner.modify_pod_hook = admin_modify_pod_hook
'''

LAUNCHPAD_GLUE_DIR = str(REPO / "chart" / "files")  # in the chart: the mounted ConfigMap
PROFILE_LIST_URL = os.environ.get("E2E_PROFILE_LIST_URL")
# The NOTES' line with the editor on (chart/templates/_helpers-names.tpl).
INSTALL_ARGS = (
    f", profile_list_url={PROFILE_LIST_URL!r}, "
    f"profile_list_cache_seconds={float(env('E2E_PROFILE_LIST_CACHE_SECONDS', '10'))}"
    if PROFILE_LIST_URL
    else ""
)
if os.environ.get("E2E_PROJECT_SERVERS") != "1":
    INSTALL_ARGS += ", project_servers=False"
LAUNCHPAD_LINE = (
    f"import sys; sys.path.insert(0, {LAUNCHPAD_GLUE_DIR!r}); import launchpad_glue; launchpad_glue.install(c{INSTALL_ARGS})"
)

extra_config = {
    "00-admin-hook": ADMIN_HOOK,
    "zz-launchpad": LAUNCHPAD_LINE,
}
if env("E2E_SPAWN_FORM", "launchpad") == "fancy-profiles":
    # jupyterhub-fancy-profiles' documented set-up (its __init__.py setup_ui): its template and
    # a static handler at /hub/fancy-profiles/static/; optionally pointed at another build of it.
    FANCY_PROFILES = """
import jupyterhub_fancy_profiles
static = os.environ.get("E2E_FANCY_PROFILES_STATIC")
if static:
    from tornado.web import StaticFileHandler
    c.KubeSpawner.additional_profile_form_template_paths = jupyterhub_fancy_profiles.TEMPLATE_PATHS
    c.JupyterHub.extra_handlers = [("/fancy-profiles/static/dist/(.*)", StaticFileHandler, {"path": static})]
else:
    jupyterhub_fancy_profiles.setup_ui(c)
"""
    extra_config = {"00-admin-hook": ADMIN_HOOK, "zz-fancy-profiles": FANCY_PROFILES}
for key in sorted(extra_config):
    exec(extra_config[key])
