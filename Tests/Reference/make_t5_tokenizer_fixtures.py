"""Fixtures for FlowStudio's T5 tokenizer (`T5Tokenizer` in Sources/TextEncoders).

Trains a small SentencePiece unigram model with T5's settings (pad 0, eos 1, unk 2, no bos) and a
normalisation rule set taken from SentencePiece's own `nmt_nfkc` (T5's), loads it with transformers'
`T5Tokenizer` (which converts it to a `tokenizers` Unigram with a `Precompiled` normalizer), saves
transformers' `tokenizer.json`, and writes the ids transformers gives for a few hundred prompts the
way `StableDiffusion3Pipeline._get_t5_prompt_embeds` calls it (padding="max_length", max_length=256,
truncation=True, add_special_tokens=True).

Why a subset of nmt_nfkc: its full precompiled charsmap is 240 KB, stored once in spiece.model and
once more in base64 in tokenizer.json; the fixture budget is ~300 KB. So the script decompiles the
real nmt_nfkc charsmap (walks its double-array trie) and keeps the rules whose source starts in the
Unicode blocks a prompt is likely to use (single code points and two-code-point sequences, Hangul jamo sequences left out: Latin, Greek,
Cyrillic, controls, general punctuation,
letterlike symbols, number forms, enclosed alphanumerics, CJK symbols, compatibility squares,
ligatures, full-width and half-width forms). SentencePiece compiles those rules back into a charsmap
with the same builder; every kept rule maps exactly as in T5's.

Run from the repository root: venv/bin/python Tests/Reference/make_t5_tokenizer_fixtures.py
Deterministic: two runs write identical bytes (single-threaded training, fixed seeds).

`--full-check DIR` additionally writes, outside the repository, a model with the *whole* nmt_nfkc
charsmap (DIR/spiece.model, DIR/tokenizer.json, 255 + 409 KB) and transformers' ids for the fixture
prompts plus every code point U+0020-U+2FFFF (in runs of 64, joined and space-separated) and
base + combining-mark sequences (DIR/expected.json); `T5_FULL_CHECK_DIR=DIR swift test --filter
T5TokenizerFullCharsmapTests` compares FlowStudio with them.
"""
import io
import json
import os
import random
import shutil
import struct
import sys
import tempfile

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb
import tokenizers
import transformers
from transformers import T5Tokenizer

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "tokenizers")
LENGTH = 256


def nmt_nfkc_rules():
    """All (source, target) string pairs of SentencePiece's nmt_nfkc charsmap, by walking its trie."""
    proto = pb.ModelProto()
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(["a b c d e"] * 10), model_writer=model,
                                   model_type="char", normalization_rule_name="nmt_nfkc", num_threads=1,
                                   minloglevel=2)
    proto.ParseFromString(model.getvalue())
    blob = proto.normalizer_spec.precompiled_charsmap
    trie_size = struct.unpack("<I", blob[:4])[0]
    units = struct.unpack("<%dI" % (trie_size // 4), blob[4:4 + trie_size])
    normalized = blob[4 + trie_size:]

    def offset(unit):
        return (unit >> 10) << ((unit & (1 << 9)) >> 6)

    rules = []

    def walk(pos, key):
        for c in range(1, 256):
            child = pos ^ c
            if child >= len(units) or (units[child] & ((1 << 31) | 0xFF)) != c:
                continue
            nxt = child ^ offset(units[child])
            if (units[child] >> 8) & 1:
                start = units[nxt] & ((1 << 31) - 1)
                end = normalized.index(b"\0", start)
                rules.append((bytes(key + [c]), normalized[start:end]))
            walk(nxt, key + [c])

    walk(offset(units[0]), [])
    return [(s.decode("utf-8"), t.decode("utf-8")) for s, t in rules]


KEPT_BLOCKS = [(0x0000, 0x07FF), (0x2000, 0x2BFF), (0x3000, 0x30FF), (0x3200, 0x33FF),
               (0xFB00, 0xFB4F), (0xFE30, 0xFE6F), (0xFF00, 0xFFEF)]

HANGUL = [(0x1100, 0x11FF), (0x3130, 0x318F), (0x3200, 0x321F), (0xFFA0, 0xFFDF)]


def rules_tsv(rules):
    def keep(source):
        first = ord(source[0])
        if not any(lo <= first <= hi for lo, hi in KEPT_BLOCKS):
            return False
        # Longer keys are composed sequences; those starting with Hangul jamo are ~150,000 of them.
        return len(source) == 1 or (len(source) == 2 and not any(lo <= first <= hi for lo, hi in HANGUL))
    kept = [(s, t) for s, t in rules if keep(s)]
    hexes = lambda s: " ".join("%X" % ord(ch) for ch in s)
    return "".join("%s\t%s\n" % (hexes(s), hexes(t)) for s, t in sorted(kept)), len(kept)


WORDS = """a an the of and with in on at by under over near behind beside through
red blue green yellow purple orange black white golden silver pink brown grey
cat dog bird horse fox owl fish dragon robot astronaut wizard knight princess child woman man
house castle tree forest mountain river lake ocean city street garden field desert island bridge
photo painting portrait sketch drawing render illustration poster watercolor oil pencil
sunset sunrise night morning storm rain snow fog light shadow sky cloud moon star sun
beautiful detailed cinematic dramatic soft sharp bright dark ancient futuristic tiny huge
standing sitting running flying sleeping reading walking dancing holding wearing looking
café naïve résumé über straße façade jalapeño crème brûlée piñata smörgåsbord déjà vu
Paris Tokyo London Berlin York Zürich São Paulo México Kraków
highly realistic photograph trending quality masterpiece style lighting background foreground
""".split()
PUNCT = [",", ".", "!", "?", ";", ":", "-", "(", ")", "\"", "'", "...", "/", "&", "%", "#", "+", "="]


def corpus(rng):
    lines = []
    for _ in range(6000):
        words = []
        for _ in range(rng.randint(4, 18)):
            w = rng.choice(WORDS)
            r = rng.random()
            if r < 0.15:
                w = w.capitalize()
            elif r < 0.18:
                w = w.upper()
            elif r < 0.25:
                w = str(rng.randint(0, 5000)) if rng.random() < 0.7 else "%d.%d" % (rng.randint(0, 99), rng.randint(0, 99))
            if rng.random() < 0.2:
                w += rng.choice(PUNCT)
            words.append(w)
        lines.append(" ".join(words))
    return lines


def train(rule_tsv_path, rng):
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus(rng)), model_writer=model, model_type="unigram", vocab_size=1000,
        normalization_rule_tsv=rule_tsv_path, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        character_coverage=1.0, num_threads=1, minloglevel=2, seed_sentencepiece_size=200000,
        shuffle_input_sentence=False)
    return model.getvalue()


def prompts(rng):
    fixed = [
        "", " ", "   ", "\t", "\n", " \t\n ", "\u3000", "\u00a0",
        "a photo of a cat", "A photo of a Cat", "A PHOTO OF A CAT",
        "a cat, a dog; a bird: (and) [more] {braces} <angles>!?",
        "hello   world", "  leading and trailing  ", "tabs\tbetween\twords", "new\nlines\n\nhere",
        "mixed \t \n whitespace \r\n end", "no-break\u00a0space", "thin\u2009space and\u200bzero width",
        "ideographic\u3000space", "em\u2003space and en\u2002space",
        "café naïve résumé", "cafe\u0301 decomposed accents", "Ångström Ærø Øresund ŒUVRE",
        "straße über Größe", "São Paulo, México, Kraków, Zürich", "ñandú pingüino",
        "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ １２３", "ｈａｌｆ！？（ｆｕｌｌ）", "ｶﾀｶﾅ half-width katakana ｶﾞ",
        "ﬁ ﬂ ﬀ ligatures ﬃ", "x² y³ H₂O E=mc²", "½ ¼ ¾ fractions", "Ⅳ Ⅻ roman numerals ⅲ",
        "① ② ③ circled ⑩", "℃ ℉ № ™ ℡ ㎏ ㎝ ㍻", "…ellipsis… and ‥ two dots", "“curly quotes” ‘single’",
        "en–dash em—dash − minus", "µ micro Ω ohm Å angstrom", "ǅ ǈ ǋ titlecase digraphs",
        "东京的一座寺庙", "一只猫坐在桌子上", "日本語のテキスト", "한국어 문장", "中文，全角标点。",
        "emoji 🐱 cat 🐶 dog", "family 👨‍👩‍👧 zwj", "flags 🇯🇵 🇫🇷", "skin tone 👍🏽", "keycap 1️⃣ #️⃣",
        "heart ❤️ vs ❤", "Ελληνικά γράμματα", "Русский текст", "עברית", "العربية", "हिन्दी",
        "123 4567 3.14159 1,000,000 2024-01-01 10:30", "007 0.5 -42 +7 1e10", "#hashtag @mention $100 50%",
        "a" * 300, "ab " * 100, "x" * 5, "▁ literal metaspace ▁▁", "▁start", "end▁", "a▁b▁▁c",
        "</s> eos inside", "text</s>more", "<pad><unk></s>", "<extra_id_0> sentinel <extra_id_99>",
        "<extra_id_100> not a sentinel", "<s> not special", "\u0000null\u0001control\u007fdel",
        "soft\u00adhyphen", "zero\u200dwidth\u200cjoiners", "bom\ufeffinside", "variation\ufe0fselector",
        "combining a\u0308 o\u0308 u\u0308", "e\u0301\u0302 stacked", "\u0301 leading combining",
        "replacement \ufffd char", "private \ue000 use", "math 𝐀𝐁𝐂 𝒜 bold", "𝟙𝟚𝟛 double struck",
        "ÀÉÎÕÜ ÇÑ àéîõü çñ", "ǰ ẞ ß ﬅ", "Ⓐ ⓑ ⒜ ⑴", "㈱ ㈲ ㊤", "ＡＢＣ ａｂｃ ０１２",
        "'single' \"double\" `back`", "path/to/file.png", "email@example.com", "https://example.com/a?b=c",
        "C++ & C# | rust || go", "~tilde ^caret _under_ score", "back\\slash",
    ]
    long_text = ("A highly detailed cinematic photograph of an ancient castle on a mountain at sunset, "
                 "with dramatic clouds, golden light, a river in the foreground and tiny knights walking "
                 "across the bridge. ")
    fixed += [long_text * 3, long_text * 6, ("word " * 300).strip(), "1 2 3 4 5 6 7 8 9 " * 40,
              "café " * 260, "一只猫" * 200]
    out = list(fixed)
    extras = ["é", "ü", "ñ", "ç", "ø", "ß", "ﬁ", "²", "½", "Ⅳ", "①", "™", "…", "“", "”", "—", "Ａ", "５",
              "！", "\u3000", "\u00a0", "\t", "\n", "  ", "猫", "🐱", "👍🏽", "e\u0301", "ｶﾞ"]
    for i in range(200):
        words = []
        for _ in range(rng.randint(1, 30)):
            w = rng.choice(WORDS)
            r = rng.random()
            if r < 0.15:
                w = w.capitalize()
            elif r < 0.2:
                w = w.upper()
            elif r < 0.3:
                w = str(rng.randint(0, 99999))
            elif r < 0.4:
                pos = rng.randint(0, len(w))
                w = w[:pos] + rng.choice(extras) + w[pos:]
            if rng.random() < 0.25:
                w += rng.choice(PUNCT)
            words.append(w)
        sep = rng.choice([" ", " ", " ", "  ", "\t", "\n", ", "])
        out.append(sep.join(words))
    return out


LAYOUTS = {
    # transformers 4's SpmConverter, as in the tokenizer.json files published with SD3 (`tokenizer_3/`).
    "legacy": ([{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}],
               {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}),
    # transformers 5's generic SentencePiece conversion (`build_tokenizer_from_spm_proto`, non-legacy):
    # SentencePiece's whitespace rules as Replace normalizers and one unsplit Metaspace.
    "converter": ([{"type": "Replace", "pattern": {"Regex": "\\A +| +\\z"}, "content": ""},
                   {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
                   {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}],
                  {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False}),
}


def layout_ids(tokenizer_json, texts, layout):
    """The same vocabulary and charsmap with another tokenizer.json pipeline (`LAYOUTS`):
    Sequence[Precompiled, the layout's Replaces] and its pre-tokenizer. Returns that normalizer
    (charsmap elided) and pre-tokenizer as JSON and `tokenizers`' ids for `texts`."""
    replaces, pre_tokenizer = LAYOUTS[layout]
    with open(tokenizer_json, encoding="utf-8") as f:
        spec = json.load(f)
    spec["normalizer"] = {"type": "Sequence", "normalizers": [spec["normalizer"]] + replaces}
    spec["pre_tokenizer"] = pre_tokenizer
    tok = tokenizers.Tokenizer.from_str(json.dumps(spec))
    tok.enable_truncation(LENGTH)
    tok.enable_padding(length=LENGTH, pad_id=0, pad_token="<pad>")
    normalizer = {"type": "Sequence", "normalizers": [{"type": "Precompiled", "precompiled_charsmap": "(the fixture's)"}] + replaces}
    return normalizer, pre_tokenizer, [e.ids for e in tok.encode_batch(texts)]


def main():
    rng = random.Random(20261203)
    os.makedirs(OUT, exist_ok=True)
    tsv, rule_count = rules_tsv(nmt_nfkc_rules())
    with tempfile.TemporaryDirectory() as tmp:
        tsv_path = os.path.join(tmp, "rules.tsv")
        with open(tsv_path, "w", encoding="utf-8") as f:
            f.write(tsv)
        model = train(tsv_path, rng)
        proto = pb.ModelProto()
        proto.ParseFromString(model)
        # The TSV's temporary path is recorded in the trainer spec; keep the bytes independent of it.
        proto.normalizer_spec.normalization_rule_tsv = "nmt_nfkc subset (make_t5_tokenizer_fixtures.py)"
        proto.normalizer_spec.name = "nmt_nfkc_subset"
        model = proto.SerializeToString(deterministic=True)
        with open(os.path.join(OUT, "t5_spiece.model"), "wb") as f:
            f.write(model)

        spm_dir = os.path.join(tmp, "spm")
        os.makedirs(spm_dir)
        shutil.copy(os.path.join(OUT, "t5_spiece.model"), os.path.join(spm_dir, "spiece.model"))
        from_spm = T5Tokenizer.from_pretrained(spm_dir)
        saved = os.path.join(tmp, "saved")
        from_spm.save_pretrained(saved)
        shutil.copy(os.path.join(saved, "tokenizer.json"), os.path.join(OUT, "t5_tokenizer.json"))
        json_dir = os.path.join(tmp, "json")
        os.makedirs(json_dir)
        shutil.copy(os.path.join(saved, "tokenizer.json"), os.path.join(json_dir, "tokenizer.json"))
        from_json = T5Tokenizer.from_pretrained(json_dir)

    texts = prompts(rng)
    kwargs = dict(padding="max_length", max_length=LENGTH, truncation=True, add_special_tokens=True)
    ids = from_spm(texts, **kwargs).input_ids
    assert ids == from_json(texts, **kwargs).input_ids, "spiece.model and tokenizer.json disagree"
    full = from_spm(texts, add_special_tokens=True).input_ids
    sp = spm.SentencePieceProcessor(model_proto=model)
    differs_from_sentencepiece = sum(
        1 for t, f in zip(texts, full) if sp.encode(t) + [1] != f)
    layouts = {name: layout_ids(os.path.join(OUT, "t5_tokenizer.json"), texts, name) for name in LAYOUTS}
    cases = []
    for text, row, untruncated in zip(texts, ids, full):
        assert len(row) == LENGTH
        n = LENGTH
        while n > 0 and row[n - 1] == 0:
            n -= 1
        case = {"prompt": text, "ids": row[:n], "untruncated_count": len(untruncated)}
        for name, (_, _, layout) in layouts.items():
            if layout[len(cases)] != row:
                m = LENGTH
                while m > 0 and layout[len(cases)][m - 1] == 0:
                    m -= 1
                case[name + "_ids"] = layout[len(cases)][:m]
        cases.append(case)
    expected = {
        "generator": "Tests/Reference/make_t5_tokenizer_fixtures.py",
        "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
        "sentencepiece": spm.__version__,
        "call": "T5Tokenizer(prompts, padding='max_length', max_length=256, truncation=True, add_special_tokens=True)",
        "length": LENGTH, "pad_id": 0, "eos_id": 1, "unk_id": 2,
        "normalization_rules": rule_count,
        "layouts": {name: {"normalizer": n, "pre_tokenizer": p} for name, (n, p, _) in layouts.items()},
        "prompts_where_sentencepiece_differs": differs_from_sentencepiece,
        "cases": cases,
    }
    with open(os.path.join(OUT, "t5_expected_ids.json"), "w", encoding="utf-8") as f:
        # One case per line: small, and a diff shows which prompt changed.
        head = json.dumps({k: v for k, v in expected.items() if k != "cases"}, ensure_ascii=False, sort_keys=True)
        f.write(head[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    for name in LAYOUTS:
        print("%s layout differs on %d prompts" % (name, sum(name + "_ids" in c for c in cases)))
    print("%d prompts, %d rules, %d truncated, sentencepiece differs on %d; files: %s" % (
        len(cases), rule_count, sum(c["untruncated_count"] > LENGTH for c in cases), differs_from_sentencepiece,
        ", ".join("%s %d B" % (n, os.path.getsize(os.path.join(OUT, n))) for n in sorted(os.listdir(OUT)) if n.startswith("t5"))))


def full_check(directory):
    rng = random.Random(5)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus(rng)), model_writer=model, model_type="unigram", vocab_size=1000,
        normalization_rule_name="nmt_nfkc", pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0,
        num_threads=1, minloglevel=2)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "spiece.model"), "wb") as f:
        f.write(model.getvalue())
    tokenizer = T5Tokenizer.from_pretrained(directory)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer.save_pretrained(tmp)
        shutil.copy(os.path.join(tmp, "tokenizer.json"), os.path.join(directory, "tokenizer.json"))
    texts = prompts(random.Random(20261203))
    points = [c for c in range(0x20, 0x30000) if not 0xD800 <= c < 0xE000]
    for i in range(0, len(points), 64):
        run = [chr(c) for c in points[i:i + 64]]
        texts += ["".join(run), " ".join(run)]
    for base in "aeouAEOUnc" + "ｶｷｸｹｺﾊﾋ" + "かは":
        for mark in ["\u0300", "\u0301", "\u0308", "\u030a", "\u0327", "\u0303", "\uff9e", "\uff9f", "\u3099",
                     "\u309a", "\ufe0f", "\u200d"]:
            texts.append(base + mark + " x" + base + mark + mark)
    ids = tokenizer(texts, padding="max_length", max_length=LENGTH, truncation=True, add_special_tokens=True).input_ids
    with open(os.path.join(directory, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"prompts": texts, "ids": ids}, f, ensure_ascii=False)
    print("full nmt_nfkc check: %d prompts in %s" % (len(texts), directory))


if __name__ == "__main__":
    main()
    if "--full-check" in sys.argv:
        full_check(sys.argv[sys.argv.index("--full-check") + 1])
