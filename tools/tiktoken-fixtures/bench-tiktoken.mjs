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
  // tiktoken can abort on some inputs (a Rust panic in WASM, "unreachable"): such documents are counted as
  // failures, left out of the timing, and the encoder is made anew.
  let enc = get_encoding(encoding);
  let tokens = 0;
  const failed = new Set();
  const first = performance.now();
  docs.forEach((d, i) => {
    try { tokens += enc.encode_ordinary(d).length; } // also the warm-up
    catch { failed.add(i); enc = get_encoding(encoding); }
  });
  const firstSeconds = (performance.now() - first) / 1000;
  const ok = docs.filter((_, i) => !failed.has(i));
  const okBytes = ok.reduce((n, d) => n + Buffer.byteLength(d), 0);
  const median = xs => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // With RUNS = 1 (the long pathological file) the first pass is the measurement.
  const times = runs === 1 ? [firstSeconds] : [];
  for (let r = 0; r < (runs === 1 ? 0 : runs); r++) {
    const t = performance.now();
    for (const d of ok) enc.encode_ordinary(d);
    times.push((performance.now() - t) / 1000);
  }
  enc.free();
  const single = okBytes / 1e6 / median(times);
  const failures = [...failed].map(i => ({ index: i, bytes: Buffer.byteLength(docs[i]), start: docs[i].slice(0, 12) }));
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
  console.log(JSON.stringify({ node: process.version, tokens, single, all, seconds: median(times), failures }));
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
