"""KubeSpawner, recording each pod it creates for the tests' assertions.

Everything is KubeSpawner 7.1.0's own code (``KubeSpawner._start``,
https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3173-L3384):
``load_user_options()`` (profile, options, unlisted choices, validation, overrides), the user's
PVC, ``get_pod_manifest()``, the ``modify_pod_hook`` (the admin's, chained by the Launchpad glue),
the pod request, the pod reflector's wait for the pod to be Running with a pod IP and its
containers ready, the URL from the pod IP; ``poll`` and ``stop`` through the reflector and
``delete_forever``. All of it runs against the test cluster's real kube-apiserver
(``$E2E_KUBECONFIG``, as z2jh's hub ServiceAccount), whose test kubelet runs the stand-in
single-user server (mock_singleuser.py) for each pod at the pod's own loopback address.

The one addition: the manifest of each pod request (``_make_create_pod_request``) is also written
to ``$E2E_RECORD_DIR/<user>[-<server>]-<n>.json`` (n = 1, 2, …), together with the
``user_options`` it was made from, so that tests can assert on image, resources, mounts and init
containers.
"""

import json
import os
from pathlib import Path

from kubespawner import KubeSpawner


class RecordingKubeSpawner(KubeSpawner):
    """KubeSpawner that records the pods it asks the API server for."""

    _recorded_pod = None

    async def _make_create_pod_request(self, pod, request_timeout):
        # _start retries this request (a 409 from a previous pod of the same name): one record a start.
        if pod is not self._recorded_pod:
            self._record(pod)
            self._recorded_pod = pod
        return await super()._make_create_pod_request(pod, request_timeout)

    def _record(self, pod):
        record_dir = Path(os.environ["E2E_RECORD_DIR"])
        record_dir.mkdir(parents=True, exist_ok=True)
        manifest = self.api.api_client.sanitize_for_serialization(pod)
        stem = self.user.name + (f"-{self.name}" if self.name else "")
        record = json.dumps(
            {
                "user": self.user.name,
                "server_name": self.name,
                "user_options": self.user_options,
                "pod": manifest,
            },
            indent=2,
            sort_keys=True,
        )
        # Written whole under a name no reader looks at, then linked to its record's name: a
        # reader polling the directory never sees half a record, and a link never overwrites one
        # (FileExistsError: two spawns raced for that number).
        partial = record_dir / f".{stem}-{os.getpid()}-{id(pod)}.partial"
        partial.write_text(record, encoding="utf-8")
        try:
            n = 1
            while True:
                path = record_dir / f"{stem}-{n}.json"
                try:
                    os.link(partial, path)
                    break
                except FileExistsError:
                    n += 1
        finally:
            partial.unlink()
        self.log.info("Recorded the pod manifest of %s in %s", stem, path)
