// Runs a Python script in the real Pyodide runtime under Node, with no network: the wheels and
// source archives of the job are unpacked into Pyodide's file system, its files copied in, the
// script run, and what the script writes to /job/out.json printed on stdout.
//
//   node pyodide_run.mjs JOB.json
//   JOB = {"pyodide": dir of the npm package, "wheels": [.whl], "sources": [.tar.gz],
//          "files": {"/job/name": host path}, "script": host path}
import { mkdirSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const dir = job.pyodide.endsWith("/") ? job.pyodide : job.pyodide + "/";
const { loadPyodide } = await import(pathToFileURL(dir + "pyodide.mjs").href);
const started = Date.now();
// Output goes to stderr: stdout carries only the result.
const pyodide = await loadPyodide({ indexURL: dir, stdout: (s) => console.error(s) });
const loaded = Date.now() - started;
const bytes = (path) => new Uint8Array(readFileSync(path));
for (const wheel of job.wheels) {
  pyodide.unpackArchive(bytes(wheel), "wheel");
}
for (const source of job.sources) {
  pyodide.unpackArchive(bytes(source), "gztar", { extractDir: "/sources" });
}
pyodide.FS.mkdirTree("/job");
for (const [target, host] of Object.entries(job.files)) {
  pyodide.FS.writeFile(target, bytes(host));
}
await pyodide.runPythonAsync(readFileSync(job.script, "utf8"));
const out = JSON.parse(pyodide.FS.readFile("/job/out.json", { encoding: "utf8" }));
out.load_ms = loaded;
out.pyodide_version = pyodide.version;
process.stdout.write(JSON.stringify(out));
