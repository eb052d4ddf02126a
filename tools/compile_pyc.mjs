// Compile Python sources to bytecode with the very interpreter the page runs: Pyodide's.
//
// CPython's .pyc format changes with every minor version (the "magic number"), and the
// build machine's python3 is not the page's Python, so tools/build_runtime.py hands the
// compiling to Pyodide itself, run under Node.js:
//
//   node tools/compile_pyc.mjs <pyodide dir> <work dir>
//
// <work dir>/sources.json lists [source, dfile] pairs: <work dir>/<source> (a .py file) is
// compiled to <work dir>/<source>c, with <dfile> as the file name tracebacks show. The .pyc
// files are hash-based and unchecked (PEP 552): no timestamps in them, and the import
// system never compares them with a source file, so the output depends on the sources only.
// A source Pyodide's Python cannot compile gets no .pyc; it is reported, never fatal here.
//
// The last line on stdout is JSON: {"python": "3.14.2", "magic": "<hex>", "compiled": N,
// "failed": [[source, error], ...]}. Everything Pyodide prints goes to stderr.
import path from "node:path";
import { pathToFileURL } from "node:url";

const COMPILE = `
import importlib.util, json, py_compile, sys

def compile_all(work):
    with open(work + "/sources.json") as handle:
        sources = json.load(handle)
    failed = []
    for source, dfile in sources:
        try:
            py_compile.compile(
                f"{work}/{source}", cfile=f"{work}/{source}c", dfile=dfile, doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
        except py_compile.PyCompileError as error:
            failed.append([source, error.msg.strip().splitlines()[-1]])
    return json.dumps({
        "python": ".".join(map(str, sys.version_info[:3])),
        "magic": importlib.util.MAGIC_NUMBER.hex(),
        "compiled": len(sources) - len(failed),
        "failed": failed,
    })

compile_all
`;

const [pyodideDir, workDir] = process.argv.slice(2);
if (!pyodideDir || !workDir) {
  console.error("usage: node tools/compile_pyc.mjs <pyodide dir> <work dir>");
  process.exit(2);
}
const { loadPyodide } = await import(pathToFileURL(path.resolve(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: path.resolve(pyodideDir) + path.sep,
  stdout: (line) => console.error(line),
  stderr: (line) => console.error(line),
});
const mountPoint = "/compile";
pyodide.FS.mkdirTree(mountPoint);
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(workDir) }, mountPoint);
const compileAll = pyodide.runPython(COMPILE);
const report = compileAll(mountPoint);
compileAll.destroy();
process.stdout.write(report + "\n");
