// Runs one ONNX model with ONNX Runtime (onnxruntime-node) for bench.py.
//
//   node ort_run.js MODULES_DIR MODEL.onnx INPUT.bin DIMS THREADS OUTPUT.bin
//
// MODULES_DIR is where `npm install onnxruntime-node` put node_modules;
// INPUT.bin holds the input as raw little-endian float32 of shape DIMS
// ("1,3,224,224"). The session: intraOpNumThreads THREADS, one inter-op
// thread, sequential execution, graph optimization level "all". It runs
// once, writes the first output as raw float32 to OUTPUT.bin and prints
// "ready"; then for each line "K" read from stdin it runs K times and
// prints the median of the K run times in ms ("median 12.345 ms"), so the
// caller can interleave its rounds with other programs'. It exits at the
// end of its input.
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");

async function main() {
  const [modules, model, input, dims, threads, output] = process.argv.slice(2);
  const ort = require(path.join(path.resolve(modules), "node_modules", "onnxruntime-node"));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  const raw = fs.readFileSync(input);
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", data, dims.split(",").map(Number)) };
  const first = await session.run(feeds);
  const out = first[session.outputNames[0]].data;
  fs.writeFileSync(output, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  for (let i = 0; i < 3; i++) await session.run(feeds); // warm-up, as PyTorch's
  console.log("ready");
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const k = Number(line);
    if (!(k >= 1)) continue;
    const ts = [];
    for (let i = 0; i < k; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ts.sort((a, b) => a - b);
    const m = k % 2 ? ts[(k - 1) / 2] : (ts[k / 2 - 1] + ts[k / 2]) / 2;
    console.log(`median ${m.toFixed(3)} ms`);
  }
}

main().catch((e) => {
  console.error(`ort_run.js: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
