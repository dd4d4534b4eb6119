// tiktoken's WASM build on a benchmark file, the way bench/Corvid.Bench.Text measures the .NET tokenizers:
// documents separated by "\n\u241E\n", encode_ordinary each; median of RUNS after one warm-up, on one thread and on
// one worker thread per core (workers load their encoder first; only encoding is timed). Prints one JSON object.
// Usage: node bench-tiktoken.mjs FILE [ENCODING] [RUNS]
import { get_encoding } from "tiktoken";
import { readFileSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { availableParallelism } from "node:os";

const split = file => readFileSync(file, "utf8").split("\n\u241E\n");

if (isMainThread) {
  const [file, encoding = "cl100k_base", runsArg = "5"] = process.argv.slice(2);
  const runs = Math.max(1, Number(runsArg));
  const docs = split(file);
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
  const enc = get_encoding(encoding);
  let tokens = 0;
  for (const d of docs) tokens += enc.encode_ordinary(d).length; // also the warm-up
  const median = xs => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    for (const d of docs) enc.encode_ordinary(d);
    times.push((performance.now() - t) / 1000);
  }
  enc.free();
  const single = bytes / 1e6 / median(times);
  let all = single;
  if (runs > 1) {
    const cores = availableParallelism();
    const workers = Array.from({ length: cores }, (_, k) => new Worker(new URL(import.meta.url), { workerData: { file, encoding, k, cores } }));
    const round = () => Promise.all(workers.map(w => new Promise(resolve => { w.once("message", resolve); w.postMessage("run"); })));
    await Promise.all(workers.map(w => new Promise(resolve => w.once("message", resolve)))); // loaded
    await round(); // warm-up
    const allTimes = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await round();
      allTimes.push((performance.now() - t) / 1000);
    }
    for (const w of workers) await w.terminate();
    all = bytes / 1e6 / median(allTimes);
  }
  console.log(JSON.stringify({ node: process.version, tokens, single, all }));
} else {
  const { file, encoding, k, cores } = workerData;
  const docs = split(file).filter((_, i) => i % cores === k);
  const enc = get_encoding(encoding);
  parentPort.postMessage("loaded");
  parentPort.on("message", () => {
    for (const d of docs) enc.encode_ordinary(d);
    parentPort.postMessage("done");
  });
}
