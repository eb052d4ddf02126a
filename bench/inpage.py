"""The JavaScript the benchmark puts into the page: init scripts (run before any page script) and baselines.

``PROBE`` records, relative to navigation start (``performance.now()``), into ``window.__bench``:

- ``ready``: when ``<html data-app-state>`` leaves "loading" (a MutationObserver, so the app page and
  the floor page are timed the same way), with the state reached and the name field's value then;
- ``typeable``: the first animation frame in which "Your name" is rendered, visible and enabled;
- ``longtasks``: ``[start, duration]`` of every main-thread task over 50 ms (Long Tasks API);
- ``events``: Event Timing entries ≥ 16 ms ``[name, start, duration, processingStart, processingEnd]``;
- ``handlers``: ``[type, start, ms]`` of keydown/keypress/input/keyup, timed from a capturing listener
  on ``window`` (runs first) to a bubbling one (runs after the page's own handlers);
- ``writes``: ``[key, time, length]`` of every ``localStorage.setItem`` (only with ``countWrites``);
- ``progress``: PyScript's ``py:progress`` / ``py:ready`` / ``py:done`` events.

``seed_script(items)`` puts stored records (a customer's draft) into localStorage before the page
runs, leaving a key alone if it is already there (a repeat visit keeps what the page wrote).
"""

from __future__ import annotations

import json

PROBE = r"""
((options) => {
  if (window.top !== window || window.__bench) return;
  const now = () => performance.now();
  const b = window.__bench = {ready: null, state: null, restoredName: null, typeable: null,
                              longtasks: [], events: [], handlers: [], writes: [], progress: []};

  new MutationObserver(() => {
    const state = document.documentElement && document.documentElement.dataset.appState;
    if (b.ready !== null || !state || state === "loading") return;
    b.ready = now();
    b.state = state;
    const name = document.getElementById("customer-name");
    b.restoredName = name ? name.value : null;
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-app-state"]});

  const poll = () => {
    const field = document.getElementById("customer-name");
    if (field && !field.disabled && field.checkVisibility()) b.typeable = now();
    else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);

  const observe = (type, extra, push) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(push))
        .observe({type, buffered: true, ...extra});
    } catch (error) { b[type + "Unsupported"] = String(error); }
  };
  observe("longtask", {}, (e) => b.longtasks.push([e.startTime, e.duration]));
  observe("event", {durationThreshold: 16}, (e) =>
    b.events.push([e.name, e.startTime, e.duration, e.processingStart, e.processingEnd]));

  for (const type of ["keydown", "keypress", "input", "keyup"]) {
    let start = 0;
    addEventListener(type, () => { start = now(); }, true);
    addEventListener(type, () => { b.handlers.push([type, start, now() - start]); }, false);
  }

  for (const type of ["py:progress", "py:ready", "py:done", "py:all-done"]) {
    addEventListener(type, (e) => b.progress.push([type, String(e.detail ?? ""), now()]), true);
  }

  if (options.countWrites) {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      b.writes.push([String(key), now(), String(value).length]);
      return setItem.call(this, key, value);
    };
  }
})(__OPTIONS__);
"""

SEED = r"""
((items) => {
  if (window.top !== window || !location.pathname.startsWith("/chat-booking/")) return;
  try {
    for (const [key, value] of Object.entries(items)) {
      if (localStorage.getItem(key) === null) localStorage.setItem(key, value);
    }
  } catch (error) { console.warn("bench seed failed", error); }
})(__ITEMS__);
"""

# What the app's records hold, for the seed: every key the page owns.
DUMP_STORAGE = """() => Object.fromEntries(Object.keys(localStorage)
    .filter((key) => key.startsWith("chatbooking:")).map((key) => [key, localStorage.getItem(key)]))"""

SNAPSHOT = "() => window.__bench"

# Plain JavaScript doing what the draft manager does at its simplest: the same stored value,
# alternating one letter of the name (an identical value would not be written again).
JS_SAVE = r"""
([key, n]) => {
  const stored = JSON.parse(localStorage.getItem(key));
  const other = structuredClone(stored);
  const data = other.data || other, name = data.customer_name || "x";
  data.customer_name = name.slice(0, -1) + (name.endsWith("y") ? "i" : "y");
  const objects = [stored, other], ms = [];
  for (let i = 0; i < n; i++) {
    const obj = objects[i % 2];
    const start = performance.now();
    localStorage.setItem("bench:js:draft", JSON.stringify(obj));
    ms.push(performance.now() - start);
  }
  return ms;
}
"""

JS_LOAD = r"""
([n]) => {
  const ms = [];
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const obj = JSON.parse(localStorage.getItem("bench:js:draft"));
    ms.push(performance.now() - start);
    sink += obj ? 1 : 0;
  }
  return sink === n ? ms : null;
}
"""

# Smallest step performance.now() takes here: 0.1 ms normally, 0.005 ms when cross-origin isolated.
TIMER_RESOLUTION = """() => {
  let smallest = Infinity, last = performance.now();
  for (let i = 0; i < 200000 && smallest > 0.001; i++) {
    const t = performance.now();
    if (t > last) { smallest = Math.min(smallest, t - last); last = t; }
  }
  return {resolution_ms: smallest, cross_origin_isolated: self.crossOriginIsolated};
}"""

STORED_SIZE = """(key) => {
  const value = localStorage.getItem(key);
  if (value === null) return null;
  return {utf8: new TextEncoder().encode(value).length, utf16: 2 * value.length,
          key_utf16: 2 * key.length, value};
}"""

RESOURCES = """() => performance.getEntriesByType("resource").map((e) => ({
  name: e.name.replace(location.origin, ""), start: e.startTime, end: e.responseEnd,
  transfer: e.transferSize, size: e.decodedBodySize, sw: e.workerStart > 0}))"""


def probe_script(*, count_writes: bool = False) -> str:
    return PROBE.replace("__OPTIONS__", json.dumps({"countWrites": count_writes}))


def seed_script(items: dict[str, str]) -> str:
    return SEED.replace("__ITEMS__", json.dumps(items))
