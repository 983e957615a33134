"""A KubeSpawner that records the pod it would create and runs a local process instead.

Everything up to the pod manifest is KubeSpawner 7.1.0's own code (``KubeSpawner._start``,
https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3173-L3267): ``load_user_options()`` (profile, options, unlisted choices, validation,
overrides), ``get_pod_manifest()`` and the ``modify_pod_hook`` (the admin's, chained by the
Launchpad glue). Only what needs a cluster is replaced: the PVC and pod API calls, the pod and event
reflectors, ``poll``/``stop`` and the state that names the pod.

The manifest is written to ``$E2E_RECORD_DIR/<user>[-<server>]-<n>.json`` (n = 1, 2, …), together
with the ``user_options`` it was made from, so that tests can assert on image, resources, mounts
and init containers.

With ``$E2E_KUBECONFIG`` (the test cluster's real kube-apiserver, as z2jh's hub ServiceAccount),
KubeSpawner's own requests also run there, as ``_start`` makes them: the user's PVC
(``_make_create_pvc_request``, when ``storage_pvc_ensure``) and the pod
(``_make_create_pod_request``: the manifest above, which the API server validates, init container
and mounts included), deleted on stop (``_make_delete_pod_request``) and, with the PVC, on
``delete_forever``. The companion sees users' pods exactly as in a cluster; the test kubelet marks
them Running. The mock server, started here, stands in for what would run in the pod.
"""

import asyncio
import json
import os
import signal
import socket
import sys
from functools import partial
from pathlib import Path

from jupyterhub.utils import exponential_backoff, maybe_future
from kubernetes_asyncio.client import V1DeleteOptions
from kubespawner import KubeSpawner

HERE = Path(__file__).resolve().parent


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0): reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done == 0


class RecordingKubeSpawner(KubeSpawner):
    """KubeSpawner up to the pod manifest; a mock single-user server after that."""

    _mock_pid = None
    _mock_port = None
    _mock_proc = None

    # -- start --------------------------------------------------------------------------------

    async def _start(self):
        # As KubeSpawner._start: options first (this is where profile validation errors raise).
        await self.load_user_options()
        # No namespace creation or reflectors: the mock server is started here, not watched for.
        if _in_cluster() and self.storage_pvc_ensure and not self._pvc_exists:
            await exponential_backoff(
                partial(self._make_create_pvc_request, self.get_pvc_manifest(), self.k8s_api_request_timeout),
                f"Could not create PVC {self.pvc_name}",
                timeout=self.k8s_api_request_retry_timeout,
            )
            self._pvc_exists = True
        pod = await self.get_pod_manifest()
        if self.modify_pod_hook:
            self.log.info("Pod is being modified via modify_pod_hook")
            pod = await maybe_future(self.modify_pod_hook(self, pod))
        self._record(pod)
        if _in_cluster():
            ok = await self._make_create_pod_request(pod, self.k8s_api_request_timeout)
            if not ok:
                raise RuntimeError(f"could not create pod {pod.metadata.name} in the test cluster")
        return await self._start_mock()

    def _record(self, pod):
        record_dir = Path(os.environ["E2E_RECORD_DIR"])
        record_dir.mkdir(parents=True, exist_ok=True)
        manifest = self.api.api_client.sanitize_for_serialization(pod)
        stem = self.user.name + (f"-{self.name}" if self.name else "")
        n = 1
        while True:
            path = record_dir / f"{stem}-{n}.json"
            try:
                # "x" mode: never overwrite a record, even if two spawns race.
                with path.open("x", encoding="utf-8") as f:
                    json.dump(
                        {
                            "user": self.user.name,
                            "server_name": self.name,
                            "user_options": self.user_options,
                            "pod": manifest,
                        },
                        f,
                        indent=2,
                        sort_keys=True,
                    )
                break
            except FileExistsError:
                n += 1
        self.log.info("Recorded the pod manifest of %s in %s", stem, path)

    async def _start_mock(self):
        port = _free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "MOCK_PORT": str(port),
            "MOCK_BASE_URL": self.server.base_url if self.server else "/",
            "MOCK_USER": self.user.name,
            "MOCK_SERVER_NAME": self.name or "",
            "MOCK_IMAGE": self.image or "",
            "MOCK_HUB_VERSION": _hub_version(),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "mock_singleuser.py"),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        self._mock_proc = proc
        self._mock_pid = proc.pid
        self._mock_port = port
        return f"http://127.0.0.1:{port}"

    # -- lifecycle ----------------------------------------------------------------------------

    async def poll(self):
        if self._mock_proc is not None:
            return self._mock_proc.returncode
        if self._mock_pid is None:
            return 0
        return None if _pid_alive(self._mock_pid) else 0

    async def stop(self, now=False):
        pid = self._mock_pid
        if pid is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self._mock_proc is not None:
                try:
                    await asyncio.wait_for(self._mock_proc.wait(), timeout=10)
                except asyncio.TimeoutError:
                    os.kill(pid, signal.SIGKILL)
                    await self._mock_proc.wait()
        self._mock_proc = None
        self._mock_pid = None
        self._mock_port = None
        if _in_cluster():
            grace = 0 if now else self.delete_grace_period
            await exponential_backoff(
                lambda: self._make_delete_pod_request(
                    self.pod_name,
                    V1DeleteOptions(grace_period_seconds=grace),
                    grace,
                    self.k8s_api_request_timeout,
                ),
                f"Could not delete pod {self.namespace}/{self.pod_name}",
                timeout=self.k8s_api_request_retry_timeout,
            )

    async def progress(self):
        # KubeSpawner's progress watches pod events through a reflector; there is no cluster.
        yield {"progress": 50, "message": "Pod manifest recorded; starting the mock server"}

    async def delete_forever(self):
        # KubeSpawner's own: deletes the user's PVC (with delete_pvc) in the test cluster.
        if _in_cluster():
            await super().delete_forever()

    # -- state (KubeSpawner keeps pod and PVC names; we keep the mock process) ------------------

    def get_state(self):
        state = super().get_state()
        if self._mock_pid is not None:
            state["e2e_mock_pid"] = self._mock_pid
            state["e2e_mock_port"] = self._mock_port
        return state

    def load_state(self, state):
        super().load_state(state)
        self._mock_pid = state.get("e2e_mock_pid")
        self._mock_port = state.get("e2e_mock_port")

    def clear_state(self):
        super().clear_state()
        self._mock_proc = None
        self._mock_pid = None
        self._mock_port = None


def _in_cluster():
    return bool(os.environ.get("E2E_KUBECONFIG"))


def _hub_version():
    import jupyterhub

    return jupyterhub.__version__
