// The page's language before (and besides) Python: which one, the static texts, the switch.
//
// - The language: the one stored under chatbooking:v1:language (the reader chose it with the
//   switch), else the first of the browser's preferred languages we speak (id* -> Indonesian),
//   else English. Decided at once, so <html lang> is right before anything else runs; Python
//   reads it from there (app/browser/language.py).
// - The words: the catalog tools/i18n.py compiles from locale/<lang>/LC_MESSAGES/chatbooking.po
//   into static/locale/<lang>.json ({English: translation}); English is the message id itself.
//   Every element marked data-i18n gets its direct texts translated, every attribute named in
//   data-i18n-attrs too; the English of each is remembered, so switching back needs no catalog.
// - The switch: any button with data-language="en|id" (both pages). It stores the choice, puts
//   every static text in the new language without a reload (what was typed stays, it is never
//   touched) and then tells Python with a "chatbooking:language" event on document.
// Never throws: a missing catalog leaves the page in English (a console warning says why).
// Imported by static/js/boot.js and static/js/sw-register.js; t() is their words.

const root = document.documentElement;
export const LANGUAGE_KEY = "chatbooking:v1:language";  // same spelling in app/persistence/keys.py
const LANGUAGES = ["en", "id"];
const originals = new WeakMap();  // text node -> its English; element -> {attribute: English}
let catalog = {};
const catalogs = { en: Promise.resolve({}) };

function stored() {
  try {
    return localStorage.getItem(LANGUAGE_KEY);
  } catch (error) {
    return null;  // storage blocked: the browser's languages decide
  }
}

export function preferred() {
  const choice = stored();
  if (LANGUAGES.includes(choice)) return choice;
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const base = String(tag).toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function language() {
  return LANGUAGES.includes(root.lang) ? root.lang : "en";
}

// A sentence in the page's language; "{name}" placeholders filled from values.
export function t(english, values = {}) {
  const said = (language() !== "en" && catalog[english]) || english;
  return said.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function load(lang) {
  if (!catalogs[lang]) {
    catalogs[lang] = fetch(`./static/locale/${lang}.json`)
      .then((answer) => (answer.ok ? answer.json() : Promise.reject(new Error(`HTTP ${answer.status}`))))
      .catch((error) => {
        console.warn(`The ${lang} words could not be loaded; the page stays in English.`, error);
        delete catalogs[lang];
        return null;
      });
  }
  return catalogs[lang];
}

function englishOf(node) {
  if (!originals.has(node)) originals.set(node, node.data.split(/\s+/).filter(Boolean).join(" "));
  return originals.get(node);
}

function translatePage() {
  for (const element of document.querySelectorAll("[data-i18n]")) {
    for (const node of element.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.data.trim()) continue;
      const english = englishOf(node);
      const [, before, , after] = node.data.match(/^(\s*)([\s\S]*?)(\s*)$/);
      const text = before + t(english) + after;
      if (node.data !== text) node.data = text;
    }
  }
  for (const element of document.querySelectorAll("[data-i18n-attrs]")) {
    if (!originals.has(element)) originals.set(element, {});
    const english = originals.get(element);
    for (const name of element.dataset.i18nAttrs.split(/\s+/).filter(Boolean)) {
      if (!(name in english)) english[name] = element.getAttribute(name) || "";
      if (english[name]) element.setAttribute(name, t(english[name]));
    }
  }
  for (const button of document.querySelectorAll("[data-language]")) {
    button.setAttribute("aria-pressed", String(button.dataset.language === language()));
  }
}

// Speak `lang` from now on: the static texts at once, then Python (the event).
export async function use(lang) {
  const words = await load(lang);
  if (words === null) {
    if (Object.keys(catalog).length === 0) root.lang = "en";  // what the reader sees is English
    return;
  }
  catalog = words;
  root.lang = lang;
  translatePage();
  document.dispatchEvent(new CustomEvent("chatbooking:language", { detail: lang }));
}

function choose(event) {
  const button = event.target.closest && event.target.closest("[data-language]");
  if (!button || !LANGUAGES.includes(button.dataset.language)) return;
  try {
    localStorage.setItem(LANGUAGE_KEY, button.dataset.language);
  } catch (error) {
    // Storage blocked or full: the choice holds for this visit only.
  }
  use(button.dataset.language);
}

root.lang = preferred();
// Resolves once the static texts speak the page's language (boot.js waits for it before showing
// a boot error, so the error is in that language too).
export const ready = use(root.lang);
document.addEventListener("click", choose);
