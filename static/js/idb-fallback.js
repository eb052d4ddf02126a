// IndexedDB that cannot fail to open: PyScript keeps small caches in IndexedDB (its IDBMap). Where
// the browser refuses IndexedDB — a cross-origin iframe with third-party storage blocked, which is
// how a marketplace embeds this page — its open request fails, PyScript re-dispatches the failing
// event from inside its own handler (InvalidStateError: "The event is already being dispatched")
// and never starts. The page needs none of those caches to work (its own data is in localStorage,
// or in memory when that is blocked too), so a failed open is answered with an in-memory database
// offering the few calls IDBMap makes. Where IndexedDB works, the real one is used unchanged.
// Loaded first by static/js/boot.js, before PyScript's core.js runs.

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

function install() {
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
  install();
} catch (error) {
  console.warn("IndexedDB fallback not installed:", error);
}
