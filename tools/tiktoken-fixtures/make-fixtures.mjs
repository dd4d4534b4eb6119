// Makes the exactness fixtures for Corvid.Text from OpenAI's tiktoken (its WASM build, npm `tiktoken`).
//
//   cd tools/tiktoken-fixtures && npm ci && node make-fixtures.mjs
//
// Writes tests/Corvid.Text.Tests/Fixtures/tiktoken.json: for every text of corpus.mjs (prose, code, many
// scripts, emoji, letters and digits outside the BMP, whitespace and digit runs, contractions, text made by
// decoding invalid UTF-8 with replacement) and 250 seeded random strings, the ids tiktoken gives for
// cl100k_base, o200k_base and r50k_base; long pathological runs (ids run-length encoded); special-token
// behaviour; and decoding of id sequences that cut characters.
import { get_encoding } from "tiktoken";
import { writeFileSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { cases, invalidUtf8, randomStrings, pathological, build } from "./corpus.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "../../tests/Corvid.Text.Tests/Fixtures/tiktoken.json");
const version = JSON.parse(readFileSync(join(here, "node_modules/tiktoken/package.json"), "utf8")).version;

const names = ["cl100k_base", "o200k_base", "r50k_base"];
const enc = Object.fromEntries([...names, "gpt2"].map(n => [n, get_encoding(n)]));
const decoder = new TextDecoder("utf-8"); // replacement, like tiktoken's decode(errors="replace")

const articleIds = [11787, 499, 21815, 369, 90250, 763, 14689, 30, 7694, 1555, 279, 21542, 3770, 323, 499, 1253, 1120,
  1518, 701, 4832, 2457, 13, 9359, 1124, 323, 6642, 264, 3449, 709, 3010, 18396, 13, 1226, 617, 9214, 315, 1023, 3697,
  430, 1120, 649, 10379, 83, 3868, 311, 3449, 18570, 1120, 1093, 499, 0];
const articleText = decoder.decode(enc.cl100k_base.decode(new Uint32Array(articleIds)));

const isWellFormed = s => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
// Strings with lone surrogates do not survive JSON readers, so they are given as UTF-16 code units.
const utf16Units = s => { const u = []; for (let i = 0; i < s.length; i++) u.push(s.charCodeAt(i)); return u; };
const field = s => isWellFormed(s) ? { text: s } : { utf16: utf16Units(s) };
const ids = (text, only = names) => Object.fromEntries(only.map(n => [n, Array.from(enc[n].encode_ordinary(text))]));
const rle = a => { const r = []; for (const x of a) { if (r.length && r[r.length - 1][0] === x) r[r.length - 1][1]++; else r.push([x, 1]); } return r; };

const exact = [];
for (const [name, text] of cases) {
  if (name === "article example") exact.push({ name, text: articleText, ids: ids(articleText) });
  else if (text !== null) exact.push({ name, ...field(text), ids: ids(text) });
}
invalidUtf8.forEach((bytes, i) => {
  const text = decoder.decode(new Uint8Array(bytes));
  exact.push({ name: `invalid utf-8 #${i + 1}`, utf8Base64: Buffer.from(bytes).toString("base64"), text, ids: ids(text) });
});
randomStrings(250, 20250310).forEach((text, i) => exact.push({ name: `random #${i + 1}`, ...field(text), ids: ids(text) }));
// gpt2 and r50k_base share ranks and pattern; a few cases show it.
for (const c of exact.slice(0, 6)) c.ids.gpt2 = Array.from(enc.gpt2.encode_ordinary(c.text));

const longRuns = pathological.map(recipe => ({
  ...recipe,
  idsRle: Object.fromEntries(names.map(n => [n, rle(Array.from(enc[n].encode_ordinary(build(recipe))))])),
}));

// Special tokens: tiktoken's encode(text, allowed_special, disallowed_special).
const specialTexts = [
  "hello <|endoftext|> world",
  "<|endoftext|>",
  "<|endoftext|><|endoftext|>x<|endoftext|>",
  "a  <|endoftext|>  b\n<|endoftext|>\n",
  "<|fim_prefix|>def f():\n<|fim_suffix|>\n    return 1<|fim_middle|>",
  "prompt<|endofprompt|> and <|endoftext|",
  "almost <|endoftext| and |endoftext|> and <|ENDOFTEXT|>",
];
const policies = [
  { allowed: "all", disallowed: "all" },
  { allowed: [], disallowed: [] },
  { allowed: ["<|endoftext|>"], disallowed: [] },
  { allowed: ["<|endoftext|>"], disallowed: "all" },
  { allowed: [], disallowed: ["<|fim_prefix|>"] },
  { allowed: [], disallowed: "all" },
];
const special = [];
for (const n of names) {
  for (const text of specialTexts) {
    for (const policy of policies) {
      const allowed = policy.allowed === "all" ? "all" : policy.allowed;
      const disallowed = policy.disallowed === "all" ? "all" : policy.disallowed;
      let result;
      try { result = { ids: Array.from(enc[n].encode(text, allowed, disallowed)) }; }
      catch (e) { result = { error: true }; }
      special.push({ encoding: n, text, ...policy, ...result });
    }
  }
}

// Decoding: id sequences whose bytes cut characters decode with U+FFFD, as tiktoken's decode does.
const decodeCases = [];
for (const n of names) {
  const samples = [[9468, 239, 235], [9468, 239], [239, 235], [235], [9468], [15339, 9468, 1917], [128, 129, 130, 131]];
  const fromText = Array.from(enc[n].encode_ordinary("日本語👍𝐀 Привет"));
  for (let cut = 1; cut < fromText.length; cut++) samples.push(fromText.slice(0, cut), fromText.slice(cut));
  for (const s of samples) {
    if (s.some(id => id >= enc[n].n_vocab ?? 1e9)) continue;
    const bytes = enc[n].decode(new Uint32Array(s));
    decodeCases.push({ encoding: n, ids: s, bytesBase64: Buffer.from(bytes).toString("base64"), text: decoder.decode(bytes) });
  }
}

const fixture = {
  generator: "tools/tiktoken-fixtures/make-fixtures.mjs",
  reference: `npm tiktoken ${version} (OpenAI tiktoken, WASM build)`,
  articleIds,
  cases: exact,
  pathological: longRuns,
  special,
  decode: decodeCases,
};
writeFileSync(out, JSON.stringify(fixture) + "\n");
console.log(`wrote ${out}: ${exact.length} texts, ${longRuns.length} long runs, ${special.length} special-token cases, ${decodeCases.length} decodes`);
for (const e of Object.values(enc)) e.free();
