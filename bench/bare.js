// The floor page's script (bench/bare.html): a file, not inline, so the floor runs under the same
// Content-Security-Policy header the backend sends with every page (no 'unsafe-inline').
import { loadPyodide } from "./static/vendor/pyodide/pyodide.mjs";

const indexURL = new URL("./static/vendor/pyodide/", document.baseURI).href;
const pyodide = await loadPyodide({ indexURL });
pyodide.runPython("import json");
document.documentElement.dataset.appState = "ready";
