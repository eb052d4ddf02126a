// The inbox before Python is ready: Send reply works at once, as Send does on the customer's page
// (boot.js). Only where it can: the therapist is signed in on this device (a token is stored) and
// the page opens one conversation (inbox.html?session=<id>: a notification's link, or a reload of
// an open conversation; app/browser/inbox_window.py keeps the open one in the address). Then this
// shows that conversation's pane and reply box, and keeps on the device, in ONE record, what is
// typed there and each reply sent; Python adopts it at start-up (app/browser/inbox_boot.py,
// app/persistence/early_input.py: into the reply draft and the outbox, under the ids shown here)
// and removes it. Python stays the one owner of the outbox; this script writes nothing else.
// The record (chatbooking:v1:inbox:early_input, the inbox's own: the customer's page shares the origin):
//   {"session": "<id>", "reply": "...", "at": <ms>,       the reply box as typed (even ""), and where
//    "replies": [{"id", "text", "at", "session"}]}       Send reply, each with the id it will keep
import { language, t } from "./i18n.js";

const root = document.documentElement;
const KEY = "chatbooking:v1:inbox:early_input";        // app/persistence/keys.py: INBOX_EARLY_INPUT_KEY
const TOKEN_KEY = "chatbooking:v1:therapist_token";    // THERAPIST_TOKEN_KEY
const LIST_KEY = "chatbooking:v1:inbox:conversations";  // INBOX_CONVERSATIONS_KEY
const REPLY_KEY = (session) => `chatbooking:v1:${session}:reply`;
const SESSION_ID = /^[A-Za-z0-9_.-]{1,64}$/;  // app/persistence/keys.py: check_session_id
const MESSAGE_MAX = 2000;  // app.domain.models.MESSAGE_MAX
const SESSION = new URLSearchParams(location.search).get("session") || "";
const loading = () => root.dataset.appState === "loading";
const byId = (id) => document.getElementById(id);
const mine = new Set();  // ids of the replies sent from this page (another tab may write the record too)

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch (error) {
    return null;  // blocked storage: Python says so once it runs
  }
}

function parsed(key) {
  try {
    const value = JSON.parse(read(key));
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch (error) {
    return {};  // a damaged record: nothing to restore (Python skips what it cannot read)
  }
}

const REPLY_ID = /^[0-9a-f]{32}$/;  // as this script makes them: anything else in the record is not ours
const replies = (record) => (Array.isArray(record.replies)
  ? record.replies.filter((r) => r && typeof r.id === "string" && REPLY_ID.test(r.id)) : []);

function write(record) {
  // Replies another tab added meanwhile stay; ours are added once (by id), in the order they were sent.
  const kept = replies(parsed(KEY));
  const known = new Set(kept.map((r) => r.id));
  const all = kept.concat(replies(record).filter((r) => mine.has(r.id) && !known.has(r.id)));
  const next = { session: SESSION, at: Date.now(), replies: all };
  // "reply" only once the box was touched on a load (typed in, or emptied by Send): then it is what the
  // box holds, even "", and replaces the stored draft (a draft that was sent must not come back).
  if (record.typed) next.reply = record.reply || "";
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
    return true;
  } catch (error) {
    return false;  // storage blocked or full: the text stays in the box
  }
}

// The customer's name from the list kept for offline use (its envelope's data), else the page's word.
function customerName() {
  const items = parsed(LIST_KEY).data;
  const found = Array.isArray(items) ? items.find((c) => c && c.session_id === SESSION) : null;
  return found && typeof found.customer_name === "string" ? found.customer_name : "";
}

function storedDraft() {
  const data = parsed(REPLY_KEY(SESSION)).data;
  return data && typeof data.text === "string" ? data.text : "";
}

// A reply as app/browser/inbox_view.py draws an own one (Python redraws the log once ready).
function showReply(reply) {
  const list = byId("messages");
  if (!list || list.querySelector(`li[data-message-id="${reply.id}"]`)) return;
  const item = document.createElement("li");
  item.className = "message message--own";
  item.dataset.messageId = reply.id;
  const locale = language() === "id" ? "id-ID" : "en-GB";  // as app/browser/language.py's Intl
  const time = new Date(reply.at).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
  const state = navigator.onLine ? "Sending…" : "Waiting for network";  // app.domain.words.MESSAGE_*
  for (const [name, text] of [["meta", `${t("You")} · ${time}`], ["text", reply.text], ["status", t(state)]]) {
    const span = document.createElement("span");
    span.className = `message__${name}`;
    span.textContent = text;
    if (name === "status") span.dataset.status = state;
    item.append(span);
  }
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function sendReply(record) {
  const box = byId("reply");
  const text = box.value.trim().slice(0, MESSAGE_MAX);
  if (!text) return;
  const bytes = crypto.getRandomValues(new Uint8Array(16));  // a uuid4's hex, like Python's uuid4().hex
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const id = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const reply = { id, text, at: Date.now(), session: SESSION };
  mine.add(id);
  record.replies = replies(record).concat([reply]);
  record.reply = box.value = "";
  record.typed = true;
  if (write(record)) {
    showReply(reply);
  } else {  // not kept: leave the text in the box rather than pretend it is on its way
    box.value = text;
    record.reply = text;
    mine.delete(id);
    record.replies.pop();
  }
}

function start() {
  if (!loading() || !SESSION_ID.test(SESSION) || read(TOKEN_KEY) === null) return;
  const record = parsed(KEY);
  // What an earlier load (closed before Python ran) typed here stays what the box holds.
  record.typed = record.session === SESSION && typeof record.reply === "string";
  if (!record.typed) record.reply = "";  // typing kept for another conversation is Python's
  byId("signin").hidden = true;
  byId("conversation-pane").hidden = false;
  byId("inbox").dataset.pane = "conversation";
  byId("conversation-empty").hidden = true;
  byId("conversation-open").hidden = false;
  const name = customerName();
  if (name && name !== "New customer") byId("conversation-title").textContent = name;
  const box = byId("reply");
  if (!box.value) box.value = record.typed ? record.reply : storedDraft();
  const list = byId("messages");
  const waiting = document.createElement("li");  // Python replaces the whole log once it has the messages
  waiting.className = "message message--system";
  waiting.textContent = t("Loading the conversation…");
  list.append(waiting);
  for (const reply of replies(record)) {
    if (reply.session === SESSION) showReply(reply);
  }
  box.addEventListener("input", () => {
    if (!loading()) return;
    record.reply = box.value;
    record.typed = true;
    write(record);
  });
  // Enter sends, Shift+Enter starts a new line; on a touch keyboard Enter is a new line and Send reply
  // sends (as app/browser/keyboard.py decides once Python is ready).
  box.addEventListener("keydown", (event) => {
    if (!loading() || event.key !== "Enter" || event.shiftKey || event.isComposing
        || matchMedia("(pointer: coarse)").matches) return;
    event.preventDefault();
    sendReply(record);
  });
  byId("reply-form").addEventListener("submit", (event) => {
    if (!loading()) return;
    event.preventDefault();
    sendReply(record);
  });
}

start();
