"""The service worker's Web Push part (tools/build_sw.py), run in Node with the worker's globals faked.

Chromium can deliver a push to the worker (tests/browser/test_push.py) but has no way to click a
notification, so the ``notificationclick`` handler is run here: the generated worker's code, as the
browser gets it, evaluated in a ``vm`` context whose ``self.clients`` and ``self.registration`` record
what the worker does. The worker lives under a sub-path (``https://site.test/app/sw.js``), as on a
GitHub Pages project site, where the server's root-relative URLs must still land on this folder's pages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_sw  # noqa: E402

SCOPE = "https://site.test/app/"
HARNESS = r"""
const vm = require("vm");
const fs = require("fs");
const source = fs.readFileSync(process.argv[2], "utf8");
const scenario = JSON.parse(process.argv[3]);
const record = {shown: [], posted: [], focused: [], opened: []};
const handlers = {};
const windows = scenario.windows.map((url) => ({
  url, type: "window",
  postMessage: (message) => record.posted.push({url, message}),
  focus: async function () { record.focused.push(url); return this; },
}));
const self = {
  location: new URL("https://site.test/app/sw.js"),
  addEventListener: (type, handler) => { handlers[type] = handler; },
  registration: {active: null, showNotification: async (title, options) => record.shown.push({title, options})},
  clients: {matchAll: async () => windows, openWindow: async (url) => record.opened.push(url), claim: async () => {}},
  skipWaiting: () => {},
};
vm.runInContext(source, vm.createContext({self, URL, console, caches: {}, Request: class {}, fetch: async () => null}));
const waits = [];
const event = scenario.event === "push"
  ? {data: scenario.data === null ? null : {json: () => JSON.parse(scenario.data), text: () => scenario.data}}
  : {notification: {data: {url: scenario.url}, close: () => { record.closed = true; }}};
event.waitUntil = (promise) => waits.push(promise);
handlers[scenario.event](event);
Promise.all(waits).then(() => console.log(JSON.stringify(record)));
"""


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node = shutil.which("node")
    assert node, "node is needed (it builds the runtime too)"
    folder = tmp_path_factory.mktemp("sw")
    text = (build_sw.TEMPLATE.replace("__VERSION__", "test").replace("__CACHE_PREFIX__", build_sw.CACHE_PREFIX)
            .replace("__PRECACHE__", json.dumps(["./", "./index.html", "./inbox.html"])))
    (folder / "sw.js").write_text(text)
    (folder / "harness.js").write_text(HARNESS)
    return folder


def run(worker: Path, **scenario) -> dict:
    result = subprocess.run(["node", str(worker / "harness.js"), str(worker / "sw.js"), json.dumps(scenario)],
                            capture_output=True, text=True, timeout=30, check=True)
    return json.loads(result.stdout)


def test_a_push_shows_the_servers_words_with_its_tag_and_where_a_click_goes(worker: Path) -> None:
    payload = {"id": "ntf_1", "title": "Ayu Lestari answered", "body": "Yes, 10 is free",
               "url": "/index.html?therapist=t-ayu", "tag": "conversation:s1"}
    shown = run(worker, event="push", windows=[], data=json.dumps(payload))["shown"]
    assert shown == [{"title": "Ayu Lestari answered", "options": {
        "body": "Yes, 10 is free", "tag": "conversation:s1",
        "data": {"url": SCOPE + "index.html?therapist=t-ayu", "id": "ntf_1"}}}]


def test_a_push_that_cannot_be_read_still_shows_something_and_never_points_elsewhere(worker: Path) -> None:
    empty = run(worker, event="push", windows=[], data=None)["shown"]
    assert empty == [{"title": "Chat Booking", "options": {"body": "", "data": {"url": SCOPE, "id": ""}}}]
    elsewhere = json.dumps({"title": "Hi", "body": "x", "url": "https://evil.test/phish"})
    assert run(worker, event="push", windows=[], data=elsewhere)["shown"][0]["options"]["data"]["url"] == SCOPE


def test_a_click_focuses_the_open_inbox_and_tells_it_which_conversation_to_open(worker: Path) -> None:
    done = run(worker, event="notificationclick", url=SCOPE + "inbox.html?session=s1",
               windows=[SCOPE + "?therapist=t-ayu", SCOPE + "inbox.html"])
    assert done["closed"] is True
    assert done["focused"] == [SCOPE + "inbox.html"] and done["opened"] == []
    assert done["posted"] == [{"url": SCOPE + "inbox.html",
                               "message": {"type": "chatbooking:open", "url": SCOPE + "inbox.html?session=s1"}}]


def test_a_click_focuses_that_therapists_chat_and_opens_one_when_none_is_open(worker: Path) -> None:
    ayu = run(worker, event="notificationclick", url=SCOPE + "index.html?therapist=t-ayu",
              windows=[SCOPE + "?therapist=t-made", SCOPE + "?therapist=t-ayu"])
    assert ayu["focused"] == [SCOPE + "?therapist=t-ayu"] and ayu["opened"] == []
    none_open = run(worker, event="notificationclick", url=SCOPE + "index.html?therapist=t-ayu",
                    windows=[SCOPE + "?therapist=t-made"])
    assert none_open["focused"] == [] and none_open["opened"] == [SCOPE + "index.html?therapist=t-ayu"]
