"""The bundle on its own (no store): canonical form, signature, manifest, and what a receiver checks."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from jaga.exchange.bundle import (
    BundleError,
    Item,
    Kind,
    Provenance,
    canonical,
    digest,
    generate_key,
    open_bundle,
    parse_kinds,
    sign,
    verify,
)
from jaga.exchange.indicators import CampaignIndicator

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _bundle(key: Ed25519PrivateKey) -> dict[str, object]:
    provenance = Provenance(origin="mafindo", shared_by="mafindo", shared_at=NOW, licence="CC-BY-4.0")
    items = [Item(kind=Kind.CAMPAIGN, id=f"c{n}", provenance=provenance, data={"n": n, "text": "ไทย ျမန္မာ"})
             for n in range(3)]
    return sign("mafindo", "CC-BY-4.0", items, key, NOW)


def test_canonical_form_is_rfc8785() -> None:
    assert canonical({"b": 1, "a": "é", "c": [1.5, True, None]}) == '{"a":"é","b":1,"c":[1.5,true,null]}'.encode()
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
    with pytest.raises(ValueError, match="not canonical"):
        canonical({"big": 2**60})  # beyond I-JSON's exact integers: refused, never silently rounded


def test_a_signed_bundle_verifies_and_any_change_to_its_header_does_not() -> None:
    key = Ed25519PrivateKey.generate()
    document = _bundle(key)
    opened = open_bundle(document)
    verify(opened, key.public_key())
    assert opened.header.created_at == NOW and [entry.id for entry in opened.header.items] == ["c0", "c1", "c2"]
    assert all(entry.sha256 == digest(item) for entry, item in zip(opened.header.items, opened.items, strict=True))

    for change in ({"licence": "CC0-1.0"}, {"created_at": "2026-12-05T12:00:00+00:00"}):
        altered = copy.deepcopy(document)
        altered["header"].update(change)  # type: ignore[attr-defined]
        with pytest.raises(BundleError) as refused:
            verify(open_bundle(altered), key.public_key())
        assert refused.value.code == "bad_signature"
    with pytest.raises(BundleError) as other:
        verify(opened, Ed25519PrivateKey.generate().public_key())
    assert other.value.code == "wrong_key" and "registered with key" in str(other.value)


@pytest.mark.parametrize(("document", "code"), [
    ([], "not_a_bundle"),
    ({"header": {}, "items": []}, "not_a_bundle"),
    ({"header": {"format": "other/9"}, "signature": "", "items": []}, "unsupported_format"),
    ({"header": {"format": "jaga-exchange/1", "issuer": "x"}, "signature": "", "items": []}, "invalid_header"),
])
def test_malformed_bundles_are_refused_with_a_reason(document: object, code: str) -> None:
    with pytest.raises(BundleError) as refused:
        open_bundle(document)
    assert refused.value.code == code


def test_a_time_without_offset_is_refused() -> None:
    document = _bundle(Ed25519PrivateKey.generate())
    document["header"]["created_at"] = "2026-12-04T12:00:00"  # type: ignore[index]
    with pytest.raises(BundleError, match="created_at"):
        open_bundle(document)


def test_kinds_by_any_name() -> None:
    assert parse_kinds("fact-checks, banks,campaigns") == (Kind.BANK_ENTRY, Kind.CAMPAIGN, Kind.FACT_CHECK)
    assert parse_kinds(["campaign"]) == (Kind.CAMPAIGN,)
    for bad in ("posts", ""):
        with pytest.raises(ValueError, match="unknown kind"):
            parse_kinds(bad)


def test_keys_are_made_once_and_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys" / "acme.key"
    first, made = generate_key(path)
    again, made_again = generate_key(path)
    assert made and not made_again and path.stat().st_mode & 0o077 == 0
    assert digest(first.public_key().public_bytes_raw().hex()) == digest(again.public_key().public_bytes_raw().hex())


def test_indicators_must_indicate_something_and_span_forwards() -> None:
    base = {"id": "c1", "first_seen": "2026-11-30T08:00:00+07:00", "last_seen": "2026-11-30T09:00:00+07:00"}
    with pytest.raises(ValueError, match="needs something to match"):
        CampaignIndicator.model_validate(base)
    with pytest.raises(ValueError, match="before first_seen"):
        CampaignIndicator.model_validate(base | {"hashtags": ["x"], "last_seen": "2026-11-30T07:00:00+07:00"})
    with pytest.raises(ValueError, match="num_perm"):
        CampaignIndicator.model_validate(base | {"minhash": {"shingle": 5, "num_perm": 16, "seed": 0,
                                                             "hashvalues": [1, 2]}})
    assert CampaignIndicator.model_validate(base | {"hashtags": ["x"]}).accounts == 0


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_the_fast_path_gives_rfc8785s_bytes(value: object) -> None:
    """Whatever path `canonical` takes, the bytes are the reference implementation's."""
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(ValueError):
            canonical(value)
        return
    assert canonical(value) == expected


def test_floats_take_the_reference_path() -> None:
    assert canonical({"x": 1.0, "y": 1e21, "z": [0.1]}) == b'{"x":1,"y":1e+21,"z":[0.1]}'


def test_keys_live_per_organisation_where_configured(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jaga.exchange.bundle import key_path

    monkeypatch.setenv("JAGA_EXCHANGE_KEY_DIR", str(tmp_path))
    assert key_path("acme") == tmp_path / "acme.key"
    with pytest.raises(ValueError, match="organisation names"):
        key_path("../etc/passwd")
