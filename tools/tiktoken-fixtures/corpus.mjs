// The exactness corpus: hand-written texts covering what tokenizers get wrong, plus seeded random
// strings drawn from the same hard character classes. Shared by make-fixtures.mjs and make-bench-corpus.mjs.

export const cases = [
  ["english prose", `It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. The committee's report — published on 12 March 2025 — didn't say whether the 3.5% increase would "hold"; analysts weren't sure. She said: "I'll be there at 7:30 p.m., won't I?" They've gone; we'd waited; you're late.`],
  ["article sentence start", "Are you Looking for Couples In Ohio? Search through"],
  ["contractions mixed case", "I'm I'M i'M you're YOU'RE You'Re we've WE'VE he'll HE'LL He'Ll she'd SHE'D it's IT'S It'S don't DON'T Don'T 'sup 'S 'T 'Re 'vE 'M 'lL 'D O'Neil's rock'n'roll 'ſ 'ſt ſ's x'ſ 'll've"],
  ["long s folds to s in contractions", "'ſabc 'ſtory x'ſtory don'ſt 'ſ'ſ 'ſs ſ'ſ 'ſ1 'ſ. 'ſ\n 'ſ 'ſTORY 'ſ'S'T"],
  ["curly apostrophes", "don’t won’t it’s ‘quoted’ “double” I’M YOU’RE"],
  ["source code c#", `public static int Fib(int n)\n{\n    if (n < 2) return n; // base case\n    return Fib(n - 1) + Fib(n - 2);\n}\n\nvar xs = new List<int> { 1, 2, 3 };\nforeach (var x in xs) Console.WriteLine($"x = {x:D4}");\n`],
  ["source code python", `def tokenize(text: str) -> list[int]:\n\t"""Split, then merge."""\n\tif not text:\n\t\treturn []\n\treturn [ord(c) for c in text if c.isalnum()]  # noqa: E501\n\n\nclass A:\n    def __init__(self):\n        self.__x = 0x1F\n`],
  ["source code js and json", `const f = async (a, b) => { await fetch(\`/api/v1/items?id=\${a}&page=\${b}\`); };\n{"key": [1, 2.5e-3, true, null], "nested": {"a/b": "c\\\\d"}}\n/* comment */ // trailing\n</div><br/>https://example.com/path/to/page.html?q=1#frag`],
  ["source code rust", `fn main() {\n    let v: Vec<u8> = (0..=255).collect();\n    println!("{:?}", &v[..4]);\n    match x { Some(ref y) if *y > 0 => (), _ => unreachable!() }\n}\n`],
  ["chinese", "我们的分词器必须与tiktoken完全一致。请考试我的软件！12345 中文標點符號：「你好」，『世界』。"],
  ["japanese", "日本語のテキストは、ひらがな・カタカナ・漢字が混ざっています。ｶﾀｶﾅ半角もある。東京タワーは333メートルです。"],
  ["korean", "안녕하세요! 한국어 토큰화 테스트입니다. 오늘은 2025년 3월 10일입니다."],
  ["arabic", "مرحبا بالعالم! هذه جملة عربية مع أرقام ١٢٣٤٥ وعلامات ترقيم؟ السَّلَامُ عَلَيْكُمْ"],
  ["hebrew", "שלום עולם, זהו משפט בעברית עם ניקוד: בְּרֵאשִׁית בָּרָא"],
  ["devanagari", "नमस्ते दुनिया! यह हिंदी में एक वाक्य है। संख्याएँ: १२३४५६७८९०"],
  ["bengali tamil thai", "আমি বাংলায় গান গাই। தமிழ் ஒரு பழமையான மொழி. ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ ๑๒๓"],
  ["cyrillic", "Привет, мир! Съешь же ещё этих мягких французских булок, да выпей чаю. ЁЛКИ-ПАЛКИ, Україна, Ґрунт, Српски"],
  ["greek armenian georgian", "Καλημέρα κόσμε! ΑΒΓΔ αβγδ ς. Բարեւ աշխարհ: გამარჯობა მსოფლიო"],
  ["latin diacritics", "Ça va? Größe, Straße, naïve café, Ærøskøbing, Łódź, Dvořák, İstanbul, ǅemal ǈubljana ǋ, ﬁne ﬂow, Ǆ"],
  ["combining marks", "e\u0301 a\u0300\u0323 Z\u0351\u0358a\u0310\u0317l\u0302g\u0305o\u0318 \u0301\u0301 x\u20dd \u0915\u093f \u0c95\u0ccd\u0cb7"],
  ["emoji", "Hello 👋🏽 world 🌍! Family: 👨‍👩‍👧‍👦 Flags: 🇺🇸🇯🇵🏴‍☠️ Keycap: 1️⃣ Thumbs 👍👍🏿 ❤️‍🔥 🫠 🧑🏻‍💻 😀😃😄😁"],
  ["non-BMP letters and digits", "𝐀𝐁𝐂abc 𝐇𝐞𝐥𝐥𝐨 𝕎𝕠𝕣𝕝𝕕 𝟘𝟙𝟚𝟛𝟜𝟝 𝟏𝟐𝟑 𐌰𐌱𐌲 (Gothic) 𐐀𐐁𐐨𐐩 (Deseret) 日本語𠮷野家 𠀀𠀁𪚥 𐍈 𐎀𐎁 𒀀𒀁 𞤀𞤢 𝔄𝔅 𝒜ℬ 𖹀𖹠 𑀅𑀆 a𝐀 1𝟘2"],
  ["non-BMP mixed with space and punctuation", " 𝐀 𝐀. (𝐀) '𝐀 𐐀'S 𠮷'll 𝐀𝐁'RE 𐌰1 𝟘x ,𝐀 \t𝐀 \n𝐀"],
  ["whitespace runs", "a  b   c    d\t\te\t \tf \t g\n\nh\n \ni\r\nj\r\n\r\nk \r\n l\u00a0m\u00a0\u00a0n\u3000o\u2028p\u2029q\u0085r\u000bs\u000ct\u2003\u2003u\u205f\u1680v   \n   \n   w"],
  ["whitespace at ends", "  \t leading and trailing \t  \n  "],
  ["whitespace only", " \n \t\t\n\n   \r\n \u00a0 "],
  ["trailing newline then spaces", "today\n  "],
  ["trailing spaces", "end   "],
  ["newline runs", "\n\n\n\nx\n\n\n\n\n\n\n\ny\r\r\r\rz\n \n \n"],
  ["digit runs", "0 00 000 0000 00000 1234567890123 3.14159265358979 1,000,000 2025-03-10 +1-555-0100 ١٢٣٤٥٦٧ ۱۲۳ ०१२३४५ ０１２３４５ ² ³ ½ Ⅻ ⅻ ① 𝟘𝟘𝟘𝟘 x2y33z444 42nd 1st"],
  ["letters and digits glued", "abc123def4567ghi 12ab34 A1B2C3 v1.2.3-beta+exp.sha.5114f85 0xDEADBEEF 1e10"],
  ["camel case and caps", "getHTTPResponseCode parseJSONToXML XMLHttpRequest iPhone macOS HTMLElement ALLCAPS MiXeD CaSe ABCdef abcDEF"],
  ["punctuation", "!!! ??? ... --- *** ### @@@ $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} <<< >>> /// \\\\\\ ||| ~~~ ``` ''' \"\"\" ,,, ;;; ::: === +++ ___"],
  ["punctuation with newlines and slashes", "a.\n/b c!!\r\n\r\nd ./\n/e f//\ng */\n// h"],
  ["mixed scripts no spaces", "abcабвαβγ日本한국ا ب123١٢٣𝐀𝐁"],
  ["math and symbols", "∀x∈ℝ: x²≥0 ⇒ √(x²)=|x|. ∑ᵢ aᵢ ≤ ∞. € £ ¥ ₹ © ® ™ ° ± × ÷ ≠ ≈ → ← ↑ ↓ ♠ ♥ ♦ ♣ ★"],
  ["replacement characters from invalid utf-8", null], // filled in from bytes below
  ["special token text in ordinary text", "hello <|endoftext|> world <|fim_prefix|>x<|endofprompt|>"],
  ["markdown", "# Title\n\n- item **bold** _it_ `code`\n1. first\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('hi')\n```\n"],
  ["url and email", "Visit https://www.example.org/a-b_c/index.php?x=1&y=%20z or mailto:someone@example.co.uk (ftp://host:21)."],
  ["long word", "Pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious Donaudampfschifffahrtsgesellschaftskapitän"],
  ["lone surrogate", "a\ud800b \udc00 c\ud83d"],
  ["control characters", "a\u0000b\u0001c\u0007d\u001be\u007ff\u0080g\u009f"],
  ["article example", null], // filled in by decoding the article's ids
];

/** Invalid UTF-8 byte sequences; the text is what a UTF-8 decoder with replacement makes of them. */
export const invalidUtf8 = [
  [0x61, 0x80, 0x62],                       // lone continuation byte
  [0xC3, 0x28, 0x20, 0xE2, 0x82],           // bad second byte, truncated 3-byte
  [0xF0, 0x9F, 0x98, 0x20, 0xF0, 0x9F, 0x98, 0x80], // truncated emoji, then a whole one
  [0xED, 0xA0, 0x80, 0x78],                 // encoded surrogate
  [0xC0, 0xAF, 0xE0, 0x80, 0xAF],           // overlong
  [0xF4, 0x90, 0x80, 0x80, 0x79],           // above U+10FFFF
  [0xFF, 0xFE, 0x20, 0x68, 0x69, 0x20, 0xFE], // bytes never valid
  [0x20, 0xE6, 0x97, 0xA5, 0xE6, 0x97, 0x20, 0x31, 0x32],
];

/** A small deterministic PRNG (mulberry32). */
export function random(seed) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pools of code points for random strings: each is a class the split patterns treat differently.
const pools = [
  [..."abcdefghijklmnopqrstuvwxyz"], [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"], [..."0123456789"],
  [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2028", "\u000b", "\u0085"],
  [..."'''''sStTdDmMlLrReEvV"], [..."!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~"],
  [..."éÉßøŁǅǈǲ"], [..."日本語中文字汉"], [..."ひらがなカタカナ"], [..."한국어"], [..."абвгдЖЗИЙ"], [..."αβγΔΣ"], [..."مرحبا١٢٣"],
  [..."नमस्ते१२"], ["\u0301", "\u0300", "\u0323", "\u093f", "\u0bcd", "\u20dd"], [..."ʰʲˈˌ々ー"],
  [..."𝐀𝐁𝐂𝐚𝐛𝐜"], [..."𝟘𝟙𝟚𝟏𝟐"], [..."𐌰𐌱𐐀𐐨𐐩"], [..."𠮷𠀀𪚥"], [..."👍👋🏽🌍😀"], ["\u200d", "\ufe0f", "\u200b"],
  [..."²³½Ⅻⅻ①"], [..."ſ"], ["\ufffd"],
];

export function randomStrings(count, seed) {
  const next = random(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(next() * 24);
    // Each string leans on a few pools, so runs of one class form.
    const chosen = Array.from({ length: 1 + Math.floor(next() * 4) }, () => pools[Math.floor(next() * pools.length)]);
    let s = "";
    for (let k = 0; k < length; k++) {
      const pool = chosen[Math.floor(next() * chosen.length)];
      s += pool[Math.floor(next() * pool.length)];
    }
    out.push(s);
  }
  return out;
}

/** Pathological inputs: long unbroken runs. Given as recipes; the tests rebuild the text. */
export const pathological = [
  { repeat: " ", count: 10000, prefix: "a", suffix: "b" },
  { repeat: "x", count: 10000 },
  { repeat: "^", count: 10000 },
  { repeat: "0", count: 10000 },
  { repeat: "a", count: 10000, prefix: " " },
  { repeat: "'s", count: 5000 },
  { repeat: "\n", count: 10000 },
  { repeat: " ", count: 10000, suffix: "\n" },
  { repeat: "ab", count: 5000 },
  { repeat: "日", count: 300 },
  { repeat: "𝐀", count: 200 },
  { repeat: "👍", count: 200 },
  // Long pieces that repeat a unit of 1-16 bytes, some with a tail (Corvid reads these off a periodic table).
  { repeat: "^", count: 10007 },
  { repeat: "x", count: 4097 },
  { repeat: "=", count: 3001 },
  { repeat: "-", count: 4099, suffix: "\n" },
  { repeat: "*", count: 2500, prefix: " " },
  { repeat: "\t", count: 3333 },
  { repeat: " ", count: 7777, suffix: "\n\n\n" },
  { repeat: ".", count: 5000, suffix: "\r\n" },
  { repeat: "\r\n", count: 2000 },
  { repeat: "ab", count: 2501 },
  { repeat: "Ab", count: 1500 },
  { repeat: "abc", count: 1200 },
  { repeat: "ä", count: 2000 },
  { repeat: "日本", count: 1500 },
  { repeat: "𝐀", count: 1000 },
  { repeat: "👍", count: 1000 },
  { repeat: "hello", count: 1000 },
  { repeat: "abcdefghijklmnop", count: 200 },
  { repeat: "abcdefghijklmnopq", count: 150 },
  { repeat: "ab", count: 3000, suffix: "xyzxyzxyzxyz" },
];

export function build(recipe) {
  return (recipe.prefix ?? "") + recipe.repeat.repeat(recipe.count) + (recipe.suffix ?? "");
}
