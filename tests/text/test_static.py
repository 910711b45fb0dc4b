"""The static table: how a post's vector is mixed from its pieces, and what the bundled table knows."""

from __future__ import annotations

import numpy as np

from jaga.text.pieces import piece_tokenizer
from jaga.text.static import StaticEncoder, StaticTable, fingerprint, sif_weights, static_encoder


def _tiny_table() -> StaticTable:
    tokenizer = piece_tokenizer()
    ids = sorted({piece for row in tokenizer.encode(["hello world", "good morning"]) for piece in row})
    rng = np.random.default_rng(0)
    return StaticTable("tiny", np.array(ids, dtype=np.int32), rng.normal(size=(len(ids), 8)).astype(np.float32),
                       sif_weights(tokenizer.vocabulary.scores[ids]))


def test_a_post_is_the_weighted_mean_of_its_pieces():
    table = _tiny_table()
    encoder = StaticEncoder(table)
    tokenizer = encoder.tokenizer
    (ids,) = tokenizer.encode(["hello world"])
    rows = [int(np.searchsorted(table.piece_ids, piece)) for piece in ids]
    expected = (table.weights[rows, None] * table.vectors[rows]).sum(axis=0)
    assert np.allclose(encoder.encode(["hello world"])[0], expected / np.linalg.norm(expected), atol=1e-5)


def test_unknown_pieces_and_empty_text_give_the_zero_vector():
    encoder = StaticEncoder(_tiny_table())
    vectors = encoder.encode(["", "ພາສາລາວ", "hello"])
    assert vectors.shape == (3, 8)
    assert not vectors[:2].any()
    assert np.isclose(np.linalg.norm(vectors[2]), 1.0)
    assert encoder.encode([]).shape == (0, 8)


def test_table_round_trips_through_int8(tmp_path):
    table = _tiny_table()
    table.save(tmp_path / "table.npz")
    loaded = StaticTable.load(tmp_path / "table.npz")
    assert loaded.name == "tiny" and np.array_equal(loaded.piece_ids, table.piece_ids)
    assert fingerprint(loaded.vectors) == fingerprint(table.vectors)  # what a name records survives storage
    error = np.linalg.norm(loaded.vectors - table.vectors, axis=1) / np.linalg.norm(table.vectors, axis=1)
    assert error.max() < 0.01


def test_bundled_table_carries_meaning_across_languages():
    """Distilled from e5: a sentence lands nearer its translation than an unrelated sentence in the
    same language as the translation."""
    encoder = static_encoder()
    pairs = [
        ("I hate those people, they should leave our country", "Saya benci orang-orang itu, mereka harus pergi dari negara kita",
         "Resep nasi goreng ini mudah dan enak sekali"),
        ("The flood destroyed many houses in the village", "Lũ lụt đã phá hủy nhiều ngôi nhà trong làng",
         "Tôi thích uống cà phê vào buổi sáng"),
        ("Women are not allowed to vote", "ผู้หญิงไม่ได้รับอนุญาตให้ลงคะแนนเสียง", "วันนี้อากาศดีมาก ไปเที่ยวทะเลกัน"),
        ("These immigrants are criminals", "这些移民都是罪犯", "我今天早上吃了面包和牛奶"),
    ]
    for english, translation, unrelated in pairs:
        source, near, far = encoder.encode([english, translation, unrelated])
        assert source @ near > source @ far + 0.1, (english, float(source @ near), float(source @ far))


def test_sentence_encoders_are_found_by_kind_or_by_the_name_a_head_recorded():
    from jaga.text.encoder import ENCODER_NAME, sentence_encoder

    static = sentence_encoder("static")
    assert static is not None and sentence_encoder(static.name) is static
    e5 = sentence_encoder("e5")
    assert e5 is not None and e5.name == ENCODER_NAME and sentence_encoder(ENCODER_NAME) is e5
    assert sentence_encoder("an encoder from another version") is None
    redistilled = static.name.rsplit(" ", 1)[0] + " 000000000000"  # same recipe, other vectors
    assert sentence_encoder(redistilled) is None
