"""The user pods of real hubs: KubeSpawner configured from z2jh values the way z2jh 4.3.3 and
2i2c's basehub chart configure it, for the glue's tests (chart/tests/glue) and the e2e hub.

A production values file (e2e/fixtures/real-hubs) holds only what that hub changes; its user pods
come from the charts' defaults merged with it. So the pod has the mounts and init containers those
hubs really run with: both home mounts, the shared folders, the admins' mounts, the ownership fix
and the NFS and cloud metadata blocks. The facts below come from upstream (cited per section);
the code is ours.

- ``singleuser_values(fixture)``: z2jh's defaults ← basehub's (for basehub hubs) ← the fixture's;
- ``configure(c, singleuser)``: the KubeSpawner traits z2jh's jupyterhub_config.py sets from them;
- ``basehub_modify_pod_hook(custom)``: basehub's own ``modify_pod_hook``.
"""

import copy
import shlex

from kubernetes_asyncio import client

#: z2jh 4.3.3's chart defaults for what the user pod's storage and init containers are made of
#: (https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.3.3/jupyterhub/values.yaml,
#: `singleuser:`; the published chart's image tags are the chart version).
Z2JH_SINGLEUSER = {
    "networkTools": {"image": {"name": "quay.io/jupyterhub/k8s-network-tools", "tag": "4.3.3"}, "resources": {}},
    "cloudMetadata": {"blockWithIptables": True, "ip": "169.254.169.254"},
    "initContainers": [],
    "uid": 1000,
    "fsGid": 100,
    "storage": {
        "type": "dynamic",
        "extraVolumes": None,
        "extraVolumeMounts": None,
        "static": {"pvcName": None, "subPath": "{username}"},
        "homeMountPath": "/home/jovyan",
        "dynamic": {"pvcNameTemplate": None, "volumeNameTemplate": "volume-{user_server}", "subPath": None},
    },
}

#: 2i2c's basehub chart, `jupyterhub.singleuser.storage` (https://github.com/2i2c-org/infrastructure/blob/9ad7cd0fc3502161a038b0e99302556098018199/helm-charts/basehub/values.yaml#L755-L792):
#: the NFS home as a static claim with a per-user subPath, mounted at /home/jovyan and again at
#: /home/rstudio, and the read-only `_shared` folder under both.
BASEHUB_SINGLEUSER = {
    "storage": {
        "type": "static",
        "static": {"pvcName": "home-nfs", "subPath": "{escaped_username}"},
        "extraVolumes": {"001-shm-volume": {"name": "dev-shm", "emptyDir": {"medium": "Memory"}}},
        "extraVolumeMounts": {
            "001-shm-volumemount": {"name": "dev-shm", "mountPath": "/dev/shm"},
            "002-shared-volumemount": {
                "name": "home",
                "mountPath": "/home/jovyan/shared",
                "subPath": "_shared",
                "readOnly": True,
            },
            "003-rstudio-volumemount": {
                "name": "home",
                "mountPath": "/home/rstudio",
                "subPath": "{escaped_username}",
            },
            "004-rstudio-shared-volumemount": {
                "name": "home",
                "mountPath": "/home/rstudio/shared",
                "subPath": "_shared",
                "readOnly": True,
            },
        },
    },
}

#: basehub's `jupyterhub.custom.singleuserAdmin` (https://github.com/2i2c-org/infrastructure/blob/9ad7cd0fc3502161a038b0e99302556098018199/helm-charts/basehub/values.yaml#L382-L392):
#: mounts added to admins' pods.
BASEHUB_CUSTOM = {
    "singleuserAdmin": {
        "extraEnv": {},
        "extraVolumeMounts": {
            "001-shared-readwrite-volumemount": {
                "name": "home",
                "mountPath": "/home/jovyan/shared-readwrite",
                "subPath": "_shared",
            },
            "002-shared-readwrite-rstudio-volumemount": {
                "name": "home",
                "mountPath": "/home/rstudio/shared-readwrite",
                "subPath": "_shared",
            },
        },
    },
}

#: The root init container that gives the NFS home to the notebook user: in basehub's
#: `jupyterhub.singleuser.initContainers` until 2025-10
#: (https://github.com/2i2c-org/infrastructure/blob/dbe287b16fdf873503108fbf6ecdcce36e280542/helm-charts/basehub/values.yaml#L551-L568),
#: and still in hubs' own values where the home is not on jupyterhub-home-nfs (config/clusters/
#: utoronto/common.values.yaml at the fixtures' commit). Note it mounts the home with the home's
#: subPath, and `_shared` writable.
VOLUME_MOUNT_OWNERSHIP_FIX = {
    "name": "volume-mount-ownership-fix",
    "image": "busybox:1.36.1",
    "command": ["sh", "-c", "id && chown 1000:1000 /home/jovyan /home/jovyan/shared && ls -lhd /home/jovyan"],
    "securityContext": {"runAsUser": 0},
    "volumeMounts": [
        {"name": "home", "mountPath": "/home/jovyan", "subPath": "{escaped_username}"},
        {"name": "home", "mountPath": "/home/jovyan/shared", "subPath": "_shared"},
    ],
}


def merge(base, override):
    """Helm's values merge: mappings merge key by key, anything else (lists too) replaces, and a
    null deletes the key."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _get(tree, path, default=None):
    """z2jh's get_config: the value at a dotted path, or default when a level is missing."""
    node = tree
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def jupyterhub_values(fixture):
    """The z2jh part of a values file, and whether the hub runs on basehub: 2i2c's hubs install
    basehub itself (its `jupyterhub:` key holds z2jh's values) or through daskhub (`basehub:`)."""
    if isinstance(_get(fixture, "basehub.jupyterhub"), dict):
        return fixture["basehub"]["jupyterhub"], True
    if isinstance(fixture.get("jupyterhub"), dict):
        return fixture["jupyterhub"], True
    return fixture, False


def singleuser_values(fixture, ownership_fix=True):
    """`singleuser` and `custom` as the hub's z2jh sees them: the charts' defaults merged with the
    fixture's. `ownership_fix` adds basehub's `volume-mount-ownership-fix` to basehub hubs."""
    values, basehub = jupyterhub_values(fixture)
    singleuser = Z2JH_SINGLEUSER
    custom = {}
    if basehub:
        singleuser = merge(singleuser, BASEHUB_SINGLEUSER)
        if ownership_fix:
            singleuser = merge(singleuser, {"initContainers": [VOLUME_MOUNT_OWNERSHIP_FIX]})
        custom = BASEHUB_CUSTOM
    return merge(singleuser, values.get("singleuser") or {}), merge(custom, values.get("custom") or {})


def configure(c, singleuser):
    """The KubeSpawner traits z2jh sets from `singleuser` for the profile list and the pod's
    volumes, mounts, user and init containers (https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.3.3/jupyterhub/files/hub/jupyterhub_config.py#L145-L180,
    #L255-L362 and #L450-L482 there)."""
    c.KubeSpawner.profile_list = copy.deepcopy(singleuser.get("profileList") or [])
    c.KubeSpawner.uid = singleuser["uid"]
    c.KubeSpawner.fs_gid = singleuser["fsGid"]
    c.KubeSpawner.init_containers = copy.deepcopy(singleuser.get("initContainers") or [])

    volumes, volume_mounts = {}, {}
    storage = singleuser["storage"]
    home = storage["homeMountPath"]
    if storage["type"] == "dynamic":
        dynamic = storage["dynamic"]
        if dynamic.get("pvcNameTemplate"):
            c.KubeSpawner.pvc_name_template = dynamic["pvcNameTemplate"]
        name = dynamic["volumeNameTemplate"]
        c.KubeSpawner.storage_pvc_ensure = True
        volumes = {name: {"name": name, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}}
        volume_mounts = {name: {"mountPath": home, "name": name, "subPath": dynamic.get("subPath")}}
    elif storage["type"] == "static":
        static = storage["static"]
        volumes = {"home": {"name": "home", "persistentVolumeClaim": {"claimName": static["pvcName"]}}}
        volume_mounts = {"home": {"mountPath": home, "name": "home", "subPath": static["subPath"]}}

    extra_volumes = _get(singleuser, "storage.extraVolumes", {})
    if isinstance(extra_volumes, dict):
        volumes.update(extra_volumes)
    elif isinstance(extra_volumes, list):
        volumes.update({volume["name"]: volume for volume in extra_volumes})
    extra_mounts = _get(singleuser, "storage.extraVolumeMounts", {})
    if isinstance(extra_mounts, dict):
        volume_mounts.update(extra_mounts)
    elif isinstance(extra_mounts, list):
        volume_mounts.update({f"{i}-{m['name']}": m for i, m in enumerate(extra_mounts)})
    c.KubeSpawner.volumes = volumes
    c.KubeSpawner.volume_mounts = volume_mounts

    metadata = singleuser["cloudMetadata"]
    if metadata.get("blockWithIptables") is True:
        tools = singleuser["networkTools"]
        c.KubeSpawner.init_containers.append(
            client.V1Container(
                name="block-cloud-metadata",
                image=f"{tools['image']['name']}:{tools['image']['tag']}",
                command=["iptables", "--append", "OUTPUT", "--protocol", "tcp", "--destination",
                         metadata["ip"], "--destination-port", "80", "--jump", "DROP"],
                security_context=client.V1SecurityContext(
                    privileged=True, run_as_user=0, capabilities=client.V1Capabilities(add=["NET_ADMIN"])
                ),
                resources=tools.get("resources"),
            )
        )


def basehub_modify_pod_hook(custom):
    """basehub's `hub.extraConfig.02-basehub-spawner` hook (https://github.com/2i2c-org/infrastructure/blob/9ad7cd0fc3502161a038b0e99302556098018199/helm-charts/basehub/values.yaml#L1360-L1426): admins' pods
    get `custom.singleuserAdmin.extraVolumeMounts` on the notebook container, and every pod an
    iptables init container that blocks NFS ports, so user code cannot reach the NFS server."""

    def modify_pod_hook(spawner, pod):
        if pod.spec.init_containers is None:
            pod.spec.init_containers = []
        admin = custom.get("singleuserAdmin", {})
        if spawner.user.admin and admin:
            notebook = next(c for c in pod.spec.containers if c.name == "notebook")
            mounts = [m for m in (admin.get("extraVolumeMounts") or {}).values() if m is not None]
            notebook.volume_mounts += [client.V1VolumeMount(**_snake(m)) for m in mounts]
        commands = [
            ["iptables", "--append", "OUTPUT", "--protocol", protocol, "--destination-port", str(port), "--jump", "DROP"]
            for protocol in ("tcp", "udp")
            for port in (2049, 20048, 111)
        ]
        pod.spec.init_containers.append(
            client.V1Container(
                name="block-nfs-access",
                image="quay.io/jupyterhub/k8s-network-tools:4.1.0",
                security_context=client.V1SecurityContext(
                    run_as_user=0, privileged=True, capabilities=client.V1Capabilities(add=["NET_ADMIN"])
                ),
                command=["/bin/sh", "-c", " && ".join(shlex.join(c) for c in commands)],
            )
        )
        return pod

    return modify_pod_hook


def _snake(mount):
    keys = {"mountPath": "mount_path", "subPath": "sub_path", "readOnly": "read_only"}
    return {keys.get(k, k): v for k, v in mount.items()}
