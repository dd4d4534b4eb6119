// Makes the benchmark inputs for bench/Corvid.Bench.Text (never committed; they land in artifacts/bench-corpus/).
//
//   node tools/tiktoken-fixtures/make-bench-corpus.mjs          (from the repository root)
//
//   english.txt       20 MB of fresh English: a word-bigram model of the feed's articles (shared/reference), so
//                     no paragraph repeats and caches of whole inputs do not help.
//   mixed.txt         10 MB: that English, this repository's C# sources, and texts in many scripts, emoji and
//                     letters outside the BMP (corpus.mjs) with their words reshuffled.
//   pathological.txt  ~2.6 MB of long unbroken runs: 100k spaces, 100k × "x", 1M × "^", digits, newlines,
//                     100k random letters, a base64 blob, a CJK run.
//   train-100mb.txt   100 MB of English and mixed text for the trainer.
// Documents are separated by a line holding only "\u241E" (SYMBOL FOR RECORD SEPARATOR); the benchmark splits on it.
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cases, random, randomStrings } from "./corpus.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const out = join(root, "artifacts/bench-corpus");
mkdirSync(out, { recursive: true });
const SEP = "\n\u241E\n";
const next = random(42);
const pick = a => a[Math.floor(next() * a.length)];

// --- English: bigram model of the feed's prose ---
const feedPath = [join(root, "../shared/reference/tds-deep-learning-feed.txt"), join(root, "shared/reference/tds-deep-learning-feed.txt")]
  .find(p => { try { return statSync(p).isFile(); } catch { return false; } });
if (!feedPath) throw new Error("cannot find shared/reference/tds-deep-learning-feed.txt beside the repository");
const feed = readFileSync(feedPath, "utf8").replace(/https?:\/\/\S+/g, " ");
const words = feed.match(/[A-Za-z][A-Za-z'’-]*|[0-9]+(?:[.,][0-9]+)?|[.,;:!?()"“”—-]/g);
const successors = new Map();
for (let i = 0; i + 1 < words.length; i++) {
  if (!successors.has(words[i])) successors.set(words[i], []);
  successors.get(words[i]).push(words[i + 1]);
}
const starts = words.filter((w, i) => i > 0 && words[i - 1] === "." && /^[A-Z]/.test(w));
function englishDocument(targetBytes) {
  let s = "", w = pick(starts), line = 0;
  while (s.length < targetBytes) {
    const glue = /^[.,;:!?)”]/.test(w) || s.length === 0 || s.endsWith("(") || s.endsWith("“") || s.endsWith("\n") ? "" : " ";
    s += glue + w;
    line += w.length + 1;
    if (w === "." && next() < 0.12) { s += "\n\n"; line = 0; }
    const options = successors.get(w);
    w = options && next() < 0.97 ? pick(options) : pick(starts);
  }
  return s;
}
function english(totalBytes) {
  const docs = [];
  let size = 0;
  while (size < totalBytes) { const d = englishDocument(2000 + Math.floor(next() * 8000)); docs.push(d); size += Buffer.byteLength(d); }
  return docs;
}

// --- Mixed: English, C# sources of this repository, many scripts (reshuffled) ---
function csharpSources() {
  const files = [];
  const walk = dir => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === "bin" || name === "obj" || name === "node_modules" || name.startsWith(".")) continue;
      if (statSync(p).isDirectory()) walk(p); else if (name.endsWith(".cs")) files.push(readFileSync(p, "utf8"));
    }
  };
  for (const d of ["src", "tests", "bench"]) { try { walk(join(root, d)); } catch { } }
  // Files holding special-token text are left out: the peers would refuse or special-case it.
  return files.filter(f => !f.includes("<|"));
}
const scriptTexts = cases.filter(([, t]) => t && !t.includes("<|")).map(([, t]) => t); // no special-token text: peers would refuse it
function scriptsDocument() {
  const pieces = pick(scriptTexts).split(/(\s+)/);
  for (let i = pieces.length - 1; i > 0; i--) { const j = Math.floor(next() * (i + 1)); [pieces[i], pieces[j]] = [pieces[j], pieces[i]]; }
  return pieces.join("") + " " + randomStrings(3, Math.floor(next() * 1e9)).join(" ");
}
function mixed(totalBytes) {
  const code = csharpSources();
  const docs = [];
  let size = 0;
  while (size < totalBytes) {
    const r = next();
    const d = r < 0.4 ? englishDocument(3000) : r < 0.7 ? pick(code) : Array.from({ length: 8 }, scriptsDocument).join("\n");
    docs.push(d);
    size += Buffer.byteLength(d);
  }
  return docs;
}

// --- Pathological ---
const letters = n => Array.from({ length: n }, () => "abcdefghijklmnopqrstuvwxyz"[Math.floor(next() * 26)]).join("");
const base64 = n => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))).toString("base64");
const pathological = [
  "a" + " ".repeat(100_000) + "b",
  "x".repeat(100_000),
  "^".repeat(1_000_000),
  "0".repeat(100_000),
  "\n".repeat(100_000),
  " ".repeat(100_000) + "\n",
  letters(100_000),
  "'s".repeat(50_000),
  base64(300_000),
  "日".repeat(100_000),
  "ab".repeat(100_000),
  "_".repeat(50_000),
];

const write = (name, docs) => {
  const text = docs.join(SEP);
  writeFileSync(join(out, name), text);
  console.log(`${name}: ${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB, ${docs.length} documents`);
};
write("english.txt", english(20e6));
write("mixed.txt", mixed(10e6));
write("pathological.txt", pathological);
write("train-100mb.txt", [...english(70e6), ...mixed(30e6)]);
