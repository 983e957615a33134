"""Stands in for a user's notebook container: what JupyterHub and the tests need from a single-user server.

The test kubelet (server/test-support/kube/cluster-cli.ts, ``--user-server``) runs it for each user
pod KubeSpawner creates, with the container's environment as KubeSpawner and JupyterHub set it
(``Spawner.get_env``: JUPYTERHUB_SERVICE_URL, JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_USER,
JUPYTERHUB_SERVER_NAME) plus POD_IP and POD_IMAGE from the kubelet. Like ``jupyterhub-singleuser``
it binds where JUPYTERHUB_SERVICE_URL says; its host is KubeSpawner's ``0.0.0.0`` (every address
of the pod's network namespace), which here is the pod's own loopback address POD_IP.

JupyterHub waits for ``GET {base_url}api`` to answer with any status below 500
(``User._wait_up`` → ``Server.wait_up(http=True, extra_path="api")``) and reads the
``X-JupyterHub-Version`` header from it. The page at ``{base_url}`` says whose server it is.

While the file LAUNCHPAD_E2E_HOLD_FILE names exists (the kubelet's ``--hold-servers``), it does not
listen yet, as a server still starting: the hub keeps waiting (``http_timeout``), so its pending
page stays on screen for a test to read.
"""

import asyncio
import html
import json
import os
import signal
from urllib.parse import urlparse

import jupyterhub
from tornado import web

SERVICE_URL = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
ADDRESS = os.environ["POD_IP"] if SERVICE_URL.hostname in ("0.0.0.0", "::") else SERVICE_URL.hostname
PORT = SERVICE_URL.port
BASE_URL = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
USER = os.environ.get("JUPYTERHUB_USER", "")
SERVER_NAME = os.environ.get("JUPYTERHUB_SERVER_NAME", "")
IMAGE = os.environ.get("POD_IMAGE", "")


class Base(web.RequestHandler):
    def set_default_headers(self):
        self.set_header("X-JupyterHub-Version", jupyterhub.__version__)


class ApiHandler(Base):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"version": "2.0.0"}))


class PageHandler(Base):
    def get(self, _rest=""):
        who = html.escape(USER + (f"/{SERVER_NAME}" if SERVER_NAME else ""))
        self.finish(
            "<!doctype html><html lang=en><head><title>Mock server</title></head><body>"
            f"<h1>Mock server for {who}</h1><p>Image: <code>{html.escape(IMAGE)}</code></p>"
            "</body></html>"
        )


HOLD_FILE = os.environ.get("LAUNCHPAD_E2E_HOLD_FILE", "")


async def main():
    while HOLD_FILE and os.path.exists(HOLD_FILE):
        await asyncio.sleep(0.1)
    prefix = BASE_URL.rstrip("/")
    app = web.Application(
        [
            (rf"{prefix}/api/?", ApiHandler),
            (rf"{prefix}/?(.*)", PageHandler),
        ]
    )
    app.listen(PORT, address=ADDRESS)
    print(f"mock single-user server for {USER!r} at http://{ADDRESS}:{PORT}{BASE_URL}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
