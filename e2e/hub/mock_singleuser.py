"""Stands in for a user's pod: what JupyterHub and the tests need from a single-user server.

JupyterHub waits for ``GET {base_url}api`` to answer with any status below 500
(``User._wait_up`` → ``Server.wait_up(http=True, extra_path="api")``) and reads the
``X-JupyterHub-Version`` header from it. The page at ``{base_url}`` says whose server it is.
Configured by the recording spawner through MOCK_* environment variables.
"""

import asyncio
import html
import json
import os
import signal

from tornado import web

PORT = int(os.environ["MOCK_PORT"])
BASE_URL = os.environ.get("MOCK_BASE_URL", "/")
USER = os.environ.get("MOCK_USER", "")
SERVER_NAME = os.environ.get("MOCK_SERVER_NAME", "")
IMAGE = os.environ.get("MOCK_IMAGE", "")
HUB_VERSION = os.environ.get("MOCK_HUB_VERSION", "")


class Base(web.RequestHandler):
    def set_default_headers(self):
        if HUB_VERSION:
            self.set_header("X-JupyterHub-Version", HUB_VERSION)


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


async def main():
    prefix = BASE_URL.rstrip("/")
    app = web.Application(
        [
            (rf"{prefix}/api/?", ApiHandler),
            (rf"{prefix}/?(.*)", PageHandler),
        ]
    )
    app.listen(PORT, address="127.0.0.1")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
