import "./idb-fallback.js";  // first: PyScript opens IndexedDB as soon as core.js runs
import { ready, t } from "./i18n.js";  // the reader's language: <html lang>, the static texts, t() below
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
// would otherwise wait until PyScript has loaded and read its config (~1.5 s on mobile data). Each
// is requested exactly as Pyodide requests it, so it is downloaded once (tests/browser/test_boot.py).
// Made here rather than in the HTML so that a failed download is seen: Pyodide itself only warns
// on the console and waits forever.
const RUNTIME = "./static/vendor/pyodide/";
for (const [name, rel] of [["pyodide.asm.wasm", "preload"], ["python_stdlib.zip", "preload"],
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

// Before Python is ready the form is already typeable. Mark every field the customer
// touches, so Python keeps what they typed instead of an older stored draft, and keep it on the
// device at once in ONE small record, so closing or reloading the page before Python is ready
// loses nothing: {"fields": {name: value}, "message": "...", "at": <ms>}. The next load puts it
// back into the page (marked "restored"); Python adopts it at start-up, then removes it.
const EARLY_INPUT_KEY = "chatbooking:v1:early_input";

function keepEarlyInput() {
  const fields = {};
  for (const field of document.querySelectorAll("#booking-form [data-early-input]")) {
    if (field.type !== "radio") fields[field.name] = field.value;
    else if (field.checked) fields[field.name] = field.value;
  }
  const box = document.getElementById("message");
  const record = { fields, message: box ? box.value : "", at: Date.now() };
  try {
    localStorage.setItem(EARLY_INPUT_KEY, JSON.stringify(record));
  } catch (error) {
    // Storage blocked or full: the text stays in the page, and Python says so once it runs.
  }
}

function markEarlyInput(event) {
  const field = event.target;
  if (root.dataset.appState !== "loading" || !field || !field.name) return;
  field.dataset.earlyInput = "1";
  keepEarlyInput();
}
document.addEventListener("input", markEarlyInput, true);
document.addEventListener("change", markEarlyInput, true);

function restoreEarlyInput() {
  let record = null;
  try {
    record = JSON.parse(localStorage.getItem(EARLY_INPUT_KEY));
  } catch (error) {
    return;  // blocked storage or a damaged record: nothing to restore (Python removes a bad one)
  }
  if (!record || typeof record !== "object") return;
  const fields = record.fields && typeof record.fields === "object" ? record.fields : {};
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
  const box = document.getElementById("message");
  if (box && !box.value && typeof record.message === "string") box.value = record.message;
}
restoreEarlyInput();

// Actions that need Python wait for it; say so instead of doing nothing.
document.addEventListener("submit", (event) => {
  if (root.dataset.appState === "ready") return;
  event.preventDefault();
  const status = document.getElementById("boot-status");
  if (status && root.dataset.appState === "loading") {
    status.lastChild.textContent = t("Almost ready… your details are kept, please press again in a moment.");
  }
}, true);

// Offline-first: registers ./sw.js once the page has booted. Loaded after the watchdog is armed,
// and dynamically, so a missing or broken file can never stop the watchdog itself.
import("./sw-register.js").catch((error) => console.warn("Offline support did not load:", error));
