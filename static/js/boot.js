import "./idb-fallback.js";  // first: PyScript opens IndexedDB as soon as core.js runs
// Boot watchdog: runs before Python, so the page is never blank or silently stuck.
// Python sets <html data-app-state="ready"> when it has started and restored state;
// anything that fails before that turns the page into a readable error instead.
const root = document.documentElement;
const BOOT_TIMEOUT_MS = 90000;

function showBootError(detail) {
  if (root.dataset.appState !== "loading") return;
  root.dataset.appState = "error";
  const box = document.getElementById("boot-error");
  if (box) {
    box.hidden = false;
    const text = box.querySelector("[data-detail]");
    if (text) text.textContent = detail ? String(detail).slice(0, 300) : "";
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
const APP_NAME = root.dataset.appName || "booking window";
setTimeout(() => showBootError(`The ${APP_NAME} took too long to start.`), BOOT_TIMEOUT_MS);

window.chatBookingBootError = showBootError;

// Before Python is ready the form is already typeable. Mark every field the customer
// touches, so Python keeps what they typed instead of an older stored draft.
function markEarlyInput(event) {
  const field = event.target;
  if (root.dataset.appState === "loading" && field && field.name) field.dataset.earlyInput = "1";
}
document.addEventListener("input", markEarlyInput, true);
document.addEventListener("change", markEarlyInput, true);

// Actions that need Python wait for it; say so instead of doing nothing.
document.addEventListener("submit", (event) => {
  if (root.dataset.appState === "ready") return;
  event.preventDefault();
  const status = document.getElementById("boot-status");
  if (status && root.dataset.appState === "loading") {
    status.lastChild.textContent = "Almost ready… your details are kept, please press again in a moment.";
  }
}, true);

// Offline-first: registers ./sw.js once the page has booted. Loaded after the watchdog is armed,
// and dynamically, so a missing or broken file can never stop the watchdog itself.
import("./sw-register.js").catch((error) => console.warn("Offline support did not load:", error));
