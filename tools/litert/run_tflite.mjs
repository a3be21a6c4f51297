// Runs a .tflite model in LiteRT.js (WebAssembly, XNNPACK CPU) under Node, one row at a time.
// usage: node run_tflite.mjs <request.json> <response.json>
// request:  {"model": "<file.tflite>", "rows": N, "seqLen": S, "inputs": {"<name>": [N*S int32]}, "output": "<name>"}
// response: {"outputs": [[...], ...], "msPerRow": [...], "outputShape": [...]}
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = path.join(here, 'node_modules/@litertjs/core/wasm');
// LiteRT.js is written for browsers: give it the four globals its loader expects
Object.assign(globalThis, {
  self: globalThis, __dirname: wasmDir, require: createRequire(import.meta.url),
  importScripts: (u) => vm.runInThisContext(fs.readFileSync(u, 'utf8'), {filename: u}),
});
const {loadLiteRt, loadAndCompile, Tensor} = await import(path.join(here, 'node_modules/@litertjs/core/dist/index.js'));

const [requestFile, responseFile] = process.argv.slice(2);
const req = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
await loadLiteRt(wasmDir + '/');
const model = await loadAndCompile(new Uint8Array(fs.readFileSync(req.model)), {accelerator: 'wasm'});
const outputs = [], msPerRow = [];
let outputShape = null;
for (let r = 0; r < req.rows; r++) {
  const feed = {};
  for (const [name, values] of Object.entries(req.inputs)) {
    feed[name] = new Tensor(Int32Array.from(values.slice(r * req.seqLen, (r + 1) * req.seqLen)), [1, req.seqLen]);
  }
  const t0 = performance.now();
  const res = await model.run(feed);
  msPerRow.push(performance.now() - t0);
  const out = res[req.output];
  outputShape = out.type.layout.dimensions;
  outputs.push(Array.from(out.toTypedArray()));
  Object.values(feed).forEach((t) => t.delete());
  Object.values(res).forEach((t) => t.delete());
}
model.delete?.();
fs.writeFileSync(responseFile, JSON.stringify({outputs, msPerRow, outputShape}));
