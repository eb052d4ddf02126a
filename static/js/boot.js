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
setTimeout(() => showBootError("The booking window took too long to start."), BOOT_TIMEOUT_MS);

window.chatBookingBootError = showBootError;
