import { language, ready, t } from "./i18n.js";  // the reader's language: <html lang>, the static texts, t() below

// IndexedDB that cannot fail to open: PyScript keeps small caches in IndexedDB (its IDBMap). Where
// the browser refuses IndexedDB — a cross-origin iframe with third-party storage blocked, which is
// how a marketplace embeds this page — its open request fails, PyScript re-dispatches the failing
// event from inside its own handler (InvalidStateError: "The event is already being dispatched")
// and never starts. The page needs none of those caches to work (its own data is in localStorage,
// or in memory when that is blocked too), so a failed open is answered with an in-memory database
// offering the few calls IDBMap makes. Where IndexedDB works, the real one is used unchanged.
// First in this file (the page's first module script): before PyScript's core.js runs. Kept here
// rather than in a file of its own: one request fewer on a phone.

function later(request, result) {
  setTimeout(() => {
    request.result = result;
    if (request.onsuccess) request.onsuccess({ type: "success", target: request });
  }, 0);
  return request;
}

class MemoryStore {
  constructor() { this.items = new Map(); }
  get(key) { return later({}, this.items.get(key)); }
  getKey(key) { return later({}, this.items.has(key) ? key : undefined); }
  getAllKeys() { return later({}, [...this.items.keys()]); }
  put(value, key) { this.items.set(key, value); return later({}, key); }
  delete(key) { this.items.delete(key); return later({}, undefined); }
  clear() { this.items.clear(); return later({}, undefined); }
  count() { return later({}, this.items.size); }
}

class MemoryDatabase {
  constructor() { this.stores = new Map(); }
  get objectStoreNames() { return { length: this.stores.size, contains: (name) => this.stores.has(name) }; }
  createObjectStore(name) { const store = new MemoryStore(); this.stores.set(name, store); return store; }
  transaction(name) {
    const store = this.stores.get(name) || this.createObjectStore(name);
    return { objectStore: () => store };
  }
  close() {}
}

function openInMemory(request) {
  const database = new MemoryDatabase();
  const upgrade = { oncomplete: null };
  setTimeout(() => {
    request.result = database;
    if (request.onupgradeneeded) request.onupgradeneeded({ type: "upgradeneeded", target: { result: database, transaction: upgrade } });
    setTimeout(() => {
      if (upgrade.oncomplete) upgrade.oncomplete({ type: "complete" });
      if (request.onsuccess) request.onsuccess({ type: "success", target: { result: database } });
    }, 0);
  }, 0);
}

function installIdbFallback() {
  const factory = globalThis.indexedDB;
  if (!factory || factory.__chatBookingFallback) return;
  const realOpen = factory.open.bind(factory);
  factory.open = function open(name, version) {
    // The caller's handlers are set on this stand-in; the real request reports to it.
    const request = { result: undefined, onsuccess: null, onerror: null, onupgradeneeded: null, onblocked: null };
    let real;
    try {
      real = version === undefined ? realOpen(name) : realOpen(name, version);
    } catch (error) {
      openInMemory(request);  // SecurityError thrown at once: no IndexedDB in this context
      return request;
    }
    real.onupgradeneeded = (event) => {
      request.result = real.result;
      if (request.onupgradeneeded) request.onupgradeneeded({ type: event.type, target: { result: real.result, transaction: real.transaction } });
    };
    real.onsuccess = () => {
      request.result = real.result;
      if (request.onsuccess) request.onsuccess({ type: "success", target: { result: real.result } });
    };
    real.onerror = (event) => {
      event.preventDefault();
      console.warn("IndexedDB is not available here; PyScript's caches are kept in memory.", real.error && real.error.name);
      openInMemory(request);
    };
    real.onblocked = (event) => { if (request.onblocked) request.onblocked(event); };
    return request;
  };
  factory.__chatBookingFallback = true;
}

try {
  installIdbFallback();
} catch (error) {
  console.warn("IndexedDB fallback not installed:", error);
}

// Boot watchdog: runs before Python, so the page is never blank or silently stuck.
// Python sets <html data-app-state="ready"> when it has started and restored state;
// anything that fails before that turns the page into a readable error instead.
const root = document.documentElement;
const BOOT_TIMEOUT_MS = 90000;

// `detail`: the browser's own error text, or a function giving ours (said again once the
// reader's words have loaded, in case the error came first).
function showBootError(detail) {
  if (root.dataset.appState !== "loading") return;
  root.dataset.appState = "error";
  const box = document.getElementById("boot-error");
  if (box) {
    box.hidden = false;
    const text = box.querySelector("[data-detail]");
    const say = () => {
      const said = typeof detail === "function" ? detail() : detail;
      if (text) text.textContent = said ? String(said).slice(0, 300) : "";
    };
    say();
    if (typeof detail === "function") ready.then(say);
  }
  const status = document.getElementById("boot-status");
  if (status) status.hidden = true;
}

window.addEventListener("error", (event) => {
  if (event.error || event.message) showBootError(event.message || event.error);
});
window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason;
  showBootError(reason && reason.message ? reason.message : reason);
});
// PyScript reports Python errors raised at start-up through this event.
window.addEventListener("py:error", (event) => showBootError(event.detail && event.detail.message));
// <html data-app-name="inbox"> on the therapist's page; the customer's page is the booking window.
setTimeout(() => showBootError(() => (root.dataset.appName === "inbox" ? t("The inbox took too long to start.")
  : t("The booking window took too long to start."))), BOOT_TIMEOUT_MS);

window.chatBookingBootError = showBootError;

// Start the runtime's big downloads at once: on a phone the network is the bottleneck, and they
// would otherwise wait until PyScript has loaded and read its config (~1.5 s on mobile data), or, for
// the app's wheel (app/ and pydantic, one file: tools/build_app.py), until the interpreter is up. Each
// is requested exactly as Pyodide requests it, so it is downloaded once (tests/browser/test_boot.py).
// Made here rather than in the HTML so that a failed download is seen: Pyodide itself only warns
// on the console and waits forever.
// Not the interpreter's .wasm once the service worker serves this page (a repeat visit): its download
// is then local and quick, and what costs is compiling it, which Chromium skips by reusing the code it
// cached from an earlier visit (v8.wasm.moduleCacheHit in a trace) only when the module arrives through
// Pyodide's own fetch: a preloaded response never carries that cache (measured: every visit compiled).
const RUNTIME = "./static/vendor/pyodide/";
const repeat = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
for (const [name, rel] of [...(repeat ? [] : [["pyodide.asm.wasm", "preload"]]), ["python_stdlib.zip", "preload"],
                           ["chatbooking_app-1.0-cp314-none-any.whl", "preload"],
                           ["pyodide.mjs", "modulepreload"], ["pyodide.asm.mjs", "modulepreload"]]) {
  const link = document.createElement("link");
  link.rel = rel;
  if (rel === "preload") {
    link.as = "fetch";
    link.crossOrigin = "anonymous";
  }
  link.href = RUNTIME + name;
  link.addEventListener("error", () => showBootError(() => t("The runtime ({name}) could not be downloaded.", { name })));
  document.head.append(link);
}

// Nothing waits for Python. Before it is ready the form is already typeable, and Send and Order now
// already work: this script keeps what the person did on the device at once, in ONE small record,
// and Python adopts it at start-up (app/browser/boot.py, app/persistence/early_input.py), then removes
// it. Python stays the one owner of the outbox; this script writes nothing else. The record
// (chatbooking:v1:early_input):
//   {"fields": {name: value}, "message": "...", "at": <ms>,        typing in the booking form and box
//    "messages": [{"id", "text", "at", "therapist"}],              Send: each with the id it will keep
//    "order": {"at", "therapist"}}                                  Order now, pressed on this load
// Closing or reloading the page before Python is ready loses nothing: the next load puts the typing
// back (fields marked "restored") and shows the messages again; its Python adopts them.
const EARLY_INPUT_KEY = "chatbooking:v1:early_input";
const THERAPIST = new URLSearchParams(location.search).get("therapist") || "";
const MESSAGE_MAX = 2000;  // app.domain.models.MESSAGE_MAX
const loading = () => root.dataset.appState === "loading";
const byId = (id) => document.getElementById(id);
let early = readEarly();
const mine = new Set();  // ids of the messages sent from this page (another tab may write the record too)

function readEarly() {
  try {
    const record = JSON.parse(localStorage.getItem(EARLY_INPUT_KEY));
    return record && typeof record === "object" && !Array.isArray(record) ? record : {};
  } catch (error) {
    return {};  // blocked storage or a damaged record: nothing to restore (Python removes a bad one)
  }
}

function listOf(record, name) {
  return Array.isArray(record[name]) ? record[name].filter((item) => item && typeof item.id === "string") : [];
}

function writeEarly() {
  // Messages another tab added meanwhile stay; ours are added once (by id), in the order they were sent.
  const kept = listOf(readEarly(), "messages");
  const known = new Set(kept.map((item) => item.id));
  early.messages = kept.concat(listOf(early, "messages").filter((item) => mine.has(item.id) && !known.has(item.id)));
  if (!early.messages.length) delete early.messages;
  early.at = Date.now();
  try {
    localStorage.setItem(EARLY_INPUT_KEY, JSON.stringify(early));
    return true;
  } catch (error) {
    return false;  // storage blocked or full: the text stays in the page, and Python says so once it runs
  }
}

function keepEarlyInput() {
  const fields = {};
  for (const field of document.querySelectorAll("#booking-form [data-early-input]")) {
    if (field.type !== "radio") fields[field.name] = field.value;
    else if (field.checked) fields[field.name] = field.value;
  }
  const box = byId("message");
  early.fields = fields;
  early.message = box ? box.value : "";
  writeEarly();
}

function markEarlyInput(event) {
  const field = event.target;
  // The inbox's reply box is early-reply.js's, with its own record: this one is the customer's.
  if (!loading() || !field || !field.name || root.dataset.appName === "inbox") return;
  field.dataset.earlyInput = "1";
  keepEarlyInput();
}
document.addEventListener("input", markEarlyInput, true);
document.addEventListener("change", markEarlyInput, true);

function restoreEarlyInput() {
  const fields = early.fields && typeof early.fields === "object" ? early.fields : {};
  for (const [name, value] of Object.entries(fields)) {
    const text = value === null || value === undefined ? "" : String(value);
    const elements = [...document.querySelectorAll("#booking-form [name]")].filter((el) => el.name === name);
    if (elements.some((el) => (el.type === "radio" ? el.checked : el.value !== ""))) continue;  // typed already
    for (const element of elements) {
      if (element.type === "radio") element.checked = element.value === text;
      else element.value = text;
      if (element.type !== "radio" || element.checked) element.dataset.earlyInput = "restored";
    }
  }
  const box = byId("message");
  if (box && !box.value && typeof early.message === "string") box.value = early.message;
  for (const message of listOf(early, "messages")) {
    if (message.therapist === THERAPIST) showMessage(message);
  }
}

// A uuid4 as 32 hex digits, like Python's uuid.uuid4().hex (crypto.randomUUID needs a secure context).
function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// The customer's message, drawn as app/browser/chat_view.py draws it (Python redraws the list once ready).
function showMessage(message) {
  const list = byId("messages");
  if (!list || list.querySelector(`li[data-message-id="${message.id}"]`)) return;
  const empty = byId("messages-empty");
  if (empty) empty.hidden = true;
  const item = document.createElement("li");
  item.className = "message message--customer";
  item.dataset.messageId = message.id;
  const locale = language() === "id" ? "id-ID" : "en-GB";  // as app/browser/language.py's Intl
  const time = new Date(message.at).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
  const state = navigator.onLine ? "Sending…" : "Waiting for network";  // app.domain.words.MESSAGE_*
  for (const [name, text] of [["meta", `${t("You")} · ${time}`], ["text", message.text], ["status", t(state)]]) {
    const span = document.createElement("span");
    span.className = `message__${name}`;
    span.textContent = text;
    if (name === "status") span.dataset.state = state;
    item.append(span);
  }
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function sendMessage() {
  const box = byId("message");
  const text = box ? box.value.trim().slice(0, MESSAGE_MAX) : "";
  if (!text) return;
  const message = { id: newId(), text, at: Date.now(), therapist: THERAPIST };
  mine.add(message.id);
  early.messages = listOf(early, "messages").concat([message]);
  early.message = box.value = "";
  if (writeEarly()) {
    showMessage(message);
  } else {  // not kept: leave the text in the box rather than pretend it is on its way
    box.value = text;
    mine.delete(message.id);
    early.messages.pop();
  }
}

function orderNow() {
  const button = byId("order-now");
  early.order = { at: Date.now(), therapist: THERAPIST };
  keepEarlyInput();
  if (button) {
    button.disabled = true;  // Python enables it again when it has checked (and queued) the booking
    button.setAttribute("aria-busy", "true");
  }
  const status = byId("sync-status");
  if (status) status.textContent = t("Checking your booking…");
}

// Actions that need Python are kept for it: it carries them out as soon as it is up.
document.addEventListener("submit", (event) => {
  if (!loading()) return;
  event.preventDefault();
  const id = event.target.id;
  if (id === "chat-form") sendMessage();
  else if (id === "booking-form") orderNow();
}, true);
// Enter sends, Shift+Enter starts a new line (as app/browser/chat_panel.py does once ready).
document.addEventListener("keydown", (event) => {
  if (!loading() || event.target.id !== "message" || event.key !== "Enter" || event.shiftKey
      || event.isComposing) return;
  event.preventDefault();
  sendMessage();
}, true);
// The customer's page only: the inbox has a #messages list too, and its own record (early-reply.js).
if (root.dataset.appName !== "inbox") restoreEarlyInput();

// Offline-first: registers ./sw.js once the page has booted. Loaded after the watchdog is armed,
// and dynamically, so a missing or broken file can never stop the watchdog itself; and only once
// the page has booted, so not even its download competes with the runtime's on a phone.
function offlineSupport() {
  import("./sw-register.js").catch((error) => console.warn("Offline support did not load:", error));
}
if (!loading()) {
  offlineSupport();
} else {
  const booted = new MutationObserver(() => {
    if (loading()) return;
    booted.disconnect();
    offlineSupport();
  });
  booted.observe(root, { attributes: true, attributeFilter: ["data-app-state"] });
}
