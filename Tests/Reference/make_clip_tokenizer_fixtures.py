#!/usr/bin/env python3
"""CLIP tokenizer fixtures: token ids from transformers' CLIPTokenizer for FlowStudio's tests.

Run with the project's venv (transformers 5.24, tokenizers, open_clip_torch; no network):

    /work/venv/bin/python Tests/Reference/make_clip_tokenizer_fixtures.py

It rebuilds CLIP's `vocab.json` / `merges.txt` from open_clip's `bpe_simple_vocab_16e6.txt.gz`
(the vocabulary the published SD3 repos ship), builds transformers' `CLIPTokenizer` from them and
from the `tokenizer.json` that tokenizer saves, checks both give the same ids, and writes

- `fixtures/tokenizers/clip.json`: the prompts and their 77 ids as SD3 asks for them
  (`padding="max_length", max_length=77, truncation=True`), padded with `<|endoftext|>`
  (the first CLIP's `tokenizer/`) and with `!` (the second CLIP's `tokenizer_2/`);
- `fixtures/tokenizers/clip-small/`: a small but valid BPE (the 512 byte symbols and the first
  `SMALL_MERGES` merges) as `vocab.json` + `merges.txt` + `tokenizer_config.json` and as the
  `tokenizer.json` transformers writes, with the ids that tokenizer gives for the same prompts,
  so the Swift readers are checked on files transformers itself wrote (the full files are ~3 MB).

Ids are stored as space-separated numbers with the trailing padding left out: pad back to 77
with the pad id. The Swift bundled resource `Sources/TextEncoders/Resources/clip-merges.txt` is
written by the same code (`--write-resource`).
"""
import gzip
import json
import os
import random
import sys
import unicodedata

import open_clip
from transformers import CLIPTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "tokenizers")
RESOURCE = os.path.join(HERE, "..", "..", "Sources", "TextEncoders", "Resources", "clip-merges.txt")
LENGTH = 77
SMALL_MERGES = 1500


def byte_alphabet():
    """CLIP's (and GPT-2's) byte → printable character table, in vocabulary order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = [chr(b) for b in printable]
    extra = 0
    for b in range(256):
        if b not in printable:
            chars.append(chr(256 + extra))
            extra += 1
    return chars


def open_clip_merges():
    path = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    lines = gzip.open(path).read().decode("utf-8").split("\n")
    # open_clip's SimpleTokenizer keeps lines 1 ..< 49152-256-2+1 (line 0 is a header).
    return [tuple(line.split()) for line in lines[1:49152 - 256 - 2 + 1]]


def write_vocab_merges(folder, merges, pad_token):
    os.makedirs(folder, exist_ok=True)
    chars = byte_alphabet()
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({v: i for i, v in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizer_class": "CLIPTokenizer", "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
                   "unk_token": "<|endoftext|>", "pad_token": pad_token, "model_max_length": LENGTH}, f, indent=2)


def prompts():
    fixed = [
        "", " ", "   ", "\t", "\n", " \t\n\r ", "a", "A", "a photo of a cat",
        "A photo of a CAT sitting on a Mat.", "a red circle and a blue square",
        "An astronaut riding a horse on Mars, highly detailed, 8k, trending on artstation",
        "don't", "Don't stop", "it's a dog's life", "they're here, we've gone, I'm fine, you'll see, he'd know",
        "'s 't 're 've 'm 'll 'd", "DON'T IT'S THEY'RE", "rock 'n' roll", "o'clock", "'quoted'", "\"double quoted\"",
        "the cat's cat''s cat's's", "can’t (curly apostrophe)", "l'été à Paris",
        "hello, world!", "wow!!!", "what?!?", "...", "--", "a-b_c/d\\e", "(masterpiece:1.2), [bad hands]",
        "{a|b|c}", "#hashtag @user $100 50% ^caret& *star* ~tilde~ `code`", "<lora:name:0.8>", "1girl, solo",
        "12345", "3.14159", "1,000,000 stars", "version 2.0.1", "at 4pm on 12/25/2024", "0x1F600", "½ ¾ ² ³ ⅷ",
        "Ⅻ roman numerals", "١٢٣ arabic-indic digits", "٣ cats", "四 cats and 4 dogs",
        "café", "naïve résumé", "Crème Brûlée", "São Paulo", "Zürich über Straße", "ÅNGSTRÖM", "Ελληνικά ΣΑΣ σας",
        "Москва зимой", "ПРИВЕТ мир", "İstanbul", "ǅ digraph", "ﬁ ligature ﬂ", "cafe\u0301 (decomposed)",
        "e\u0301\u0301 double accent", "\u0301 leading combining mark", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
        "日本の桜", "一只猫坐在垫子上", "東京タワー at night", "한국어 텍스트", "ภาษาไทย", "हिन्दी पाठ", "עברית", "العربية",
        "😀", "a cat 🐱 and a dog 🐶", "👨‍👩‍👧‍👦 family", "🇯🇵 flag", "❤️ heart", "✨sparkles✨", "👍🏽",
        "&amp; &lt;b&gt; &quot;x&quot; &#39;y&#39; &nbsp;", "Tom &amp; Jerry", "<b>bold</b> <i>it</i>",
        "multiple    spaces", "tabs\tand\ttabs", "new\nlines\n\nhere", "trailing space ", " leading space",
        "crlf\r\nline", "mixed \t \n whitespace", "nbsp\u00a0between", "ideographic\u3000space", "em\u2003space",
        "zero\u200bwidth", "line\u2028separator", "next\u0085line", "mongolian\u180evowel", "narrow\u202fnbsp",
        "soft\u00adhyphen", "bom\ufeffhere", "control\u0007bell", "null\u0000char", "tab\u000bvertical\u000cformfeed",
        "<|startoftext|>", "<|endoftext|>", "hello<|endoftext|>world", "x <|startoftext|> y", "A<|ENDOFTEXT|>b",
        "!<|endoftext|>", "<|endoftext|><|endoftext|>", "<|endoftext", "|endoftext|>", "<|startoftext|>a cat<|endoftext|>",
        "supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abababababababab", "zzzz zzz zz z",
        "photorealistic, ultra-detailed, octane render, unreal engine 5, bokeh, 35mm, f/1.8",
        "CamelCaseWords and snake_case_words and kebab-case-words", "URL https://example.com/path?q=1&r=2#frag",
        "email me@example.org", "C++ and C# and F#", "100°C", "€5 £3 ¥100 ₹20", "→ ← ↑ ↓", "★☆♥♦", "α β γ δ",
        "math: x² + y² = z²", "∑∫√∞", "©®™", "«guillemets» „quotes“", "¿Qué? ¡Sí!", "—em dash– en dash",
        "…ellipsis", "🙂🙃😉", "ǰ", "ẞ capital sharp s", "ΐ", "ﬃ",
        # NFC corner cases: Hangul LV + T composes; a decomposition reorders marks; marks of
        # Unicode ≥ 10 are starters for tokenizers' Unicode 9.0 tables (no reordering, they block).
        "\uac00\u11a8 \u1100\u1161\u11a8", "\u0327\u0f73 e\u0327\u0301", "a\U00010f4e\u0f73", "a\U00010f4e\u0301",
        "\u0958 \u212b \u2adc \U0001d15e \u0344", "x\u1ac0\u0301 y\u0301\u1ac0",
    ]
    words = ("a an the red blue green yellow purple orange small large tiny huge circle square triangle star cat dog "
             "bird house tree mountain river city portrait landscape painting photo sketch drawing of on in with and "
             "beside above below near under glowing ancient futuristic cyberpunk steampunk watercolor oil").split()
    extras = ["café", "日本", "😀", "don't", "it's", "3", "42", "1.5", ",", "!", "?", "(", ")", "&amp;", "--", "İ", "Σ",
              "\t", "\n", "  ", "é", "ß", "ñ", "—", "…", "'s", "<|endoftext|>", "ǅ", "①", "٣"]
    rng = random.Random(20)
    generated = []
    for i in range(110):
        n = rng.randint(1, 14)
        parts = []
        for _ in range(n):
            w = rng.choice(extras) if rng.random() < 0.25 else rng.choice(words)
            if rng.random() < 0.2:
                w = w.capitalize() if rng.random() < 0.5 else w.upper()
            parts.append(w)
        sep = rng.choice([" ", " ", " ", ", ", "  ", "\t", ""])
        generated.append(sep.join(parts))
    # Unicode soup: random assigned code points (marks, Hangul jamo, decomposables, any plane-0..2
    # character) mixed with apostrophes, specials and white space.
    soup_pool = list("abcXYZ019 '!?<|>-_.,\t\n") + ["'s", "'T", "'ll", "<|endoftext|>", "<|ENDOFTEXT|>", "!!"] + [
        chr(c) for c in [0x0301, 0x0308, 0x0327, 0x1100, 0x1161, 0x11A8, 0xAC00, 0x00A0, 0x2000, 0x3000, 0x200B, 0x180E,
                         0x0085, 0xFEFF, 0x0130, 0x03A3, 0x1E9E, 0x1C90, 0x13A0, 0xFB00, 0x1F600, 0x1F3FD, 0x200D, 0x0660,
                         0x2160, 0x00BD, 0x0915, 0x093F, 0x0E31, 0x0F73, 0x10F4E, 0x1AC0, 0x2126, 0x212B, 0x0340, 0x0344]]

    def any_char():
        while True:
            c = rng.randint(0, 0x2FFFF)
            if not 0xD800 <= c <= 0xDFFF and unicodedata.category(chr(c)) != "Cn":
                return chr(c)

    soup = ["".join(rng.choice(soup_pool) if rng.random() < 0.7 else any_char() for _ in range(rng.randint(1, 24)))
            for _ in range(80)]
    long = [
        " ".join(rng.choice(words) for _ in range(n)) for n in (74, 75, 76, 77, 80, 120, 300)
    ] + [
        ", ".join(["masterpiece", "best quality", "ultra detailed", "8k", "photorealistic", "cinematic lighting"] * 20),
        "a " * 76, "a " * 74 + "supercalifragilisticexpialidocious", "日本の桜" * 40, "😀" * 60, "don't " * 40,
        "x" * 500, "1234567890" * 12, "<|endoftext|>" * 80,
    ]
    out = fixed + generated + soup + long
    return out


def ids_text(ids, pad_id):
    while ids and ids[-1] == pad_id:
        ids = ids[:-1]
    return " ".join(map(str, ids))


def encode_all(tok, texts):
    return [tok(t, padding="max_length", max_length=LENGTH, truncation=True).input_ids for t in texts]


def main():
    merges = open_clip_merges()
    if "--write-resource" in sys.argv:
        os.makedirs(os.path.dirname(RESOURCE), exist_ok=True)
        with open(RESOURCE, "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
        print("wrote", os.path.normpath(RESOURCE), os.path.getsize(RESOURCE), "bytes")
    texts = prompts()
    work = os.path.join(OUT, ".work")
    entries = {"prompts": texts, "pads": {}}
    for pad in ["<|endoftext|>", "!"]:
        folder = os.path.join(work, "full-" + ("eot" if pad != "!" else "bang"))
        write_vocab_merges(folder, merges, pad)
        tok = CLIPTokenizer.from_pretrained(folder)
        assert tok.pad_token == pad, tok.pad_token
        ids = encode_all(tok, texts)
        tok.save_pretrained(folder + "-saved")
        os.remove(os.path.join(folder + "-saved", "tokenizer_config.json"))  # so the next load reads tokenizer.json only
        again = CLIPTokenizer(tokenizer_file=os.path.join(folder + "-saved", "tokenizer.json"), pad_token=pad)
        assert encode_all(again, texts) == ids, "tokenizer.json gives other ids than vocab.json + merges.txt"
        assert all(len(x) == LENGTH for x in ids)
        pad_id = tok.pad_token_id
        entries["pads"][pad] = {"pad_id": pad_id, "ids": [ids_text(x, pad_id) for x in ids]}
    with open(os.path.join(OUT, "clip.json"), "w", encoding="utf-8") as f:
        json.dump(entries, f, ensure_ascii=False, indent=0)

    small = os.path.join(OUT, "clip-small")
    write_vocab_merges(small, merges[:SMALL_MERGES], "!")
    tok = CLIPTokenizer.from_pretrained(small)
    assert tok.pad_token == "!"
    ids = encode_all(tok, texts)
    saved = os.path.join(work, "small-saved")
    tok.save_pretrained(saved)
    os.replace(os.path.join(saved, "tokenizer.json"), os.path.join(small, "tokenizer.json"))
    again = CLIPTokenizer(tokenizer_file=os.path.join(small, "tokenizer.json"), pad_token="!")
    assert encode_all(again, texts) == ids
    with open(os.path.join(OUT, "clip-small.json"), "w", encoding="utf-8") as f:
        json.dump({"pad_id": tok.pad_token_id, "bos_id": tok.bos_token_id, "eos_id": tok.eos_token_id,
                   "ids": [ids_text(x, tok.pad_token_id) for x in ids]}, f, ensure_ascii=False, indent=0)

    import shutil
    shutil.rmtree(work)
    n_long = sum(1 for x in entries["pads"]["!"]["ids"] if len(x.split()) == LENGTH)
    print(f"{len(texts)} prompts ({n_long} fill all {LENGTH} tokens); wrote", OUT)
    for name in ["clip.json", "clip-small.json"] + [os.path.join("clip-small", n) for n in sorted(os.listdir(small))]:
        print(f"  {name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
