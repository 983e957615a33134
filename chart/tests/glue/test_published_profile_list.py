"""The glue's published profile list: fetched from the companion, checked with Python, filtered by
the user's groups at render and at start, never an outage. Against the real KubeSpawner 7.1 and a
real HTTP server standing in for the companion's endpoint.
"""

import asyncio
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import offline_kube  # noqa: E402, F401  (before kubespawner: no cluster)
import launchpad_glue  # noqa: E402
from kubespawner import KubeSpawner  # noqa: E402
from traitlets.config import Config  # noqa: E402

#: What the companion publishes for contract/profile-editor/sample.ts (kept in step by
#: contract/profile-editor/kubespawner.test.ts, which regenerates and compares it).
PUBLISHED = json.loads((HERE / "published-sample.json").read_text())
TOKEN = "a-shared-token-of-the-hub-and-the-companion"

VALUES_LIST = [
    {"display_name": "Values' own", "slug": "values", "kubespawner_override": {"image": "quay.io/values:1"}}
]


class Group:
    def __init__(self, name):
        self.name = name


class User:
    def __init__(self, name, groups=()):
        self.name = name
        self.id = 7
        self.url = f"/user/{name}/"
        self.groups = [Group(g) for g in groups]


class Log:
    def __init__(self):
        self.lines = []

    def info(self, message, *args):
        self.lines.append(("info", message % args))

    def warning(self, message, *args):
        self.lines.append(("warning", message % args))

    def exception(self, message, *args):
        self.lines.append(("exception", message % args))


class Companion:
    """A fetch function answering what a test sets, counting calls."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    async def __call__(self, url, token, timeout):
        self.calls += 1
        assert token == TOKEN
        await asyncio.sleep(0)
        if isinstance(self.answer, Exception):
            raise self.answer
        return json.dumps(self.answer).encode()


def published(version=3, profile_list=None):
    return {"format": 1, "version": version, "profile_list": PUBLISHED if profile_list is None else profile_list}


def spawner_for(c, user, user_options=None):
    """A KubeSpawner (it needs a running event loop: call it inside one)."""
    spawner = KubeSpawner(config=c, _mock=True, user=user)
    spawner.user_options = user_options or {}
    return spawner


def slugs(profile_list):
    return [p["slug"] for p in profile_list]


def run(coro):
    return asyncio.run(coro)


def profiles_for(source, user, c=None):
    """What ``source`` (a profile_list callable) gives ``user``'s spawner."""

    async def go():
        return await source(spawner_for(c or Config(), user))

    return run(go())


# ---------------------------------------------------------------------------------------------


def test_the_companions_list_passes_the_check():
    assert launchpad_glue.check_published_profile_list(json.loads(json.dumps(PUBLISHED))) == PUBLISHED


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p[0]["kubespawner_override"].update({"volumes": [{"hostPath": {"path": "/"}}]}), "sets volumes"),
        (lambda p: p[0]["kubespawner_override"].update({"image": ["x"]}), "image has the wrong type"),
        (lambda p: p[0]["kubespawner_override"].update({"cpu_limit": True}), "cpu_limit has the wrong type"),
        (lambda p: p[1].update({"slug": p[0]["slug"]}), "repeated slug"),
        (lambda p: p[1].update({"launchpad_groups": "gpu-users"}), "launchpad_groups is not a list"),
        (
            lambda p: p[0]["profile_options"]["image"]["choices"]["scipy"]["kubespawner_override"].update(
                {"privileged": True}
            ),
            "sets privileged",
        ),
        (
            lambda p: p[0]["profile_options"]["image"]["unlisted_choice"].update({"validation_regex": "(?<n>x)"}),
            "Python refuses validation_regex: unknown extension ?<n",
        ),
        (
            lambda p: p[0]["profile_options"]["image"]["unlisted_choice"]["kubespawner_override"].update(
                {"environment": {"X": "{value}"}}
            ),
            "free text may set only the image",
        ),
    ],
)
def test_a_list_the_companion_would_not_write_is_refused(change, reason):
    profile_list = json.loads(json.dumps(PUBLISHED))
    change(profile_list)
    with pytest.raises(launchpad_glue.ProfileListRefused, match=re.escape(reason)):
        launchpad_glue.check_published_profile_list(profile_list)


def test_groups_filter_the_list_for_each_user():
    c = Config()
    source = launchpad_glue.PublishedProfileList("http://companion", TOKEN, fetch=Companion(published()), log=Log())
    c.KubeSpawner.profile_list = source
    assert slugs(profiles_for(source, User("alice"), c)) == ["python"]
    assert slugs(profiles_for(source, User("gina", ["gpu-users", "staff"]), c)) == ["python", "gpu"]


def test_a_hidden_profile_is_refused_at_start_even_when_posted_by_hand():
    c = Config()
    c.KubeSpawner.profile_list = launchpad_glue.PublishedProfileList(
        "http://companion", TOKEN, fetch=Companion(published()), log=Log()
    )

    async def start(user):
        spawner = spawner_for(c, user, {"profile": "gpu"})
        await spawner.load_user_options()
        return spawner

    with pytest.raises(ValueError, match="No such profile: gpu"):
        run(start(User("alice")))
    allowed = run(start(User("gina", ["gpu-users"])))
    assert allowed.image == "quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02"
    assert allowed.extra_resource_limits == {"nvidia.com/gpu": "1"}


def test_the_last_good_list_outlives_a_stopped_or_confused_companion(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(launchpad_glue.time, "monotonic", lambda: clock[0])
    log = Log()
    companion = Companion(published(version=3))
    source = launchpad_glue.PublishedProfileList("http://companion", TOKEN, VALUES_LIST, cache_seconds=10, fetch=companion, log=log)
    user = User("alice")
    assert slugs(profiles_for(source, user)) == ["python"]
    clock[0] += 5
    profiles_for(source, user)
    assert companion.calls == 1, "a second spawn within the cache time does not ask again"

    companion.answer = ConnectionRefusedError("connection refused")
    clock[0] += 11
    assert slugs(profiles_for(source, user)) == ["python"]
    bad = published(version=4)
    bad["profile_list"] = json.loads(json.dumps(PUBLISHED))
    bad["profile_list"][0]["kubespawner_override"]["volumes"] = []
    companion.answer = bad
    clock[0] += 11
    assert slugs(profiles_for(source, user)) == ["python"]
    assert source.good[0] == 3
    warnings = [line for kind, line in log.lines if kind == "warning"]
    assert warnings == [
        "Launchpad: the published profile list is unreachable: connection refused; using version 3",
        "Launchpad: the published profile list is refused: profile 'python': kubespawner_override sets volumes; using version 3",
    ]

    companion.answer = published(version=5)
    clock[0] += 11
    profiles_for(source, user)
    assert source.good[0] == 5


def test_the_values_list_serves_until_something_is_published_or_when_the_companion_never_answered():
    user = User("alice")
    nothing = launchpad_glue.PublishedProfileList(
        "http://companion", TOKEN, VALUES_LIST, fetch=Companion({"format": 1, "version": None, "profile_list": []}), log=Log()
    )
    assert slugs(profiles_for(nothing, user)) == ["values"]
    down = launchpad_glue.PublishedProfileList(
        "http://companion", TOKEN, VALUES_LIST, fetch=Companion(TimeoutError("timed out")), log=Log()
    )
    assert slugs(profiles_for(down, user)) == ["values"]
    wrong_format = launchpad_glue.PublishedProfileList(
        "http://companion", TOKEN, VALUES_LIST, fetch=Companion({"format": 2, "version": 1}), log=Log()
    )
    assert slugs(profiles_for(wrong_format, user)) == ["values"]


def test_every_users_spawner_shares_the_one_list_and_its_last_good_copy():
    # traitlets deep-copies config values into each KubeSpawner: a copy must not start over.
    companion = Companion(published())
    c = Config()
    c.KubeSpawner.profile_list = launchpad_glue.PublishedProfileList(
        "http://companion", TOKEN, VALUES_LIST, cache_seconds=0, fetch=companion, log=Log()
    )

    async def spawn(name):
        spawner = spawner_for(c, User(name))
        return slugs(await spawner.profile_list(spawner)), spawner.profile_list

    first, source = run(spawn("alice"))
    companion.answer = ConnectionRefusedError("connection refused")
    second, again = run(spawn("bob"))
    assert first == second == ["python"]
    assert again is source and companion.calls == 2


def test_many_spawns_at_once_share_one_fetch():
    companion = Companion(published())
    source = launchpad_glue.PublishedProfileList("http://companion", TOKEN, fetch=companion, log=Log())

    async def many():
        return await asyncio.gather(*(source(spawner_for(Config(), User(f"u{i}"))) for i in range(20)))

    results = run(many())
    assert companion.calls == 1 and all(slugs(r) == ["python"] for r in results)


# ---------------------------------------------------------------------------------------------
# Through install() and tornado's HTTP client, against a real HTTP server
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def companion_server():
    state = {"answer": published(), "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            state["requests"].append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != f"token {TOKEN}":
                self.send_response(403)
                self.end_headers()
                return
            body = json.dumps(state["answer"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/services/launchpad/api/hub/profile-list"
    yield state
    server.shutdown()
    server.server_close()


def test_install_fetches_with_the_shared_token_and_keeps_the_values_list_as_fallback(companion_server, monkeypatch):
    monkeypatch.setenv(launchpad_glue.PROFILE_LIST_TOKEN_ENV, TOKEN)
    c = Config()
    c.KubeSpawner.profile_list = VALUES_LIST
    launchpad_glue.install(c, profile_list_url=companion_server["url"], profile_list_cache_seconds=0)
    source = c.KubeSpawner.profile_list
    assert isinstance(source, launchpad_glue.PublishedProfileList) and source.fallback == VALUES_LIST

    async def form_for(user):
        return await c.KubeSpawner.options_form(spawner_for(c, user))


    html = run(form_for(User("alice")))
    # The spawn data element by its id: the form's loader script comes first.
    data = json.loads(re.search(r'id="launchpad-spawn-data">(.*?)</script>', html, re.S).group(1))
    assert [p["slug"] for p in data["profiles"]] == ["python"]
    assert "gpu" not in [p["slug"] for p in data["profiles"]]
    assert companion_server["requests"][0] == ("/services/launchpad/api/hub/profile-list", f"token {TOKEN}")


def test_install_without_the_token_leaves_the_hubs_own_list(monkeypatch):
    monkeypatch.delenv(launchpad_glue.PROFILE_LIST_TOKEN_ENV, raising=False)
    c = Config()
    c.KubeSpawner.profile_list = VALUES_LIST
    launchpad_glue.install(c, profile_list_url="http://companion/api/hub/profile-list")
    assert c.KubeSpawner.profile_list == VALUES_LIST
