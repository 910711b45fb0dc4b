"""Pseudonyms: keyed, idempotent, and not to be had by sending something that looks like one."""

from __future__ import annotations

import hashlib
import hmac

from jaga.privacy import PSEUDONYM_PREFIX, is_pseudonym, legacy_form, pseudonymise

KEY = b"k1"


def test_a_pseudonym_passes_through_again_unchanged() -> None:
    pseudonym = pseudonymise("user-7", KEY)
    assert pseudonym is not None and pseudonym.startswith(PSEUDONYM_PREFIX) and is_pseudonym(pseudonym, KEY)
    assert pseudonymise(pseudonym, KEY) == pseudonym


def test_an_id_that_only_looks_like_a_pseudonym_is_hashed() -> None:
    genuine = pseudonymise("user-7", KEY) or ""
    for forged in ("anon_alice", "anon_" + "0" * 48, genuine[:-1] + ("0" if genuine[-1] != "0" else "1"),
                   pseudonymise("user-7", b"another key") or ""):
        hashed = pseudonymise(forged, KEY)
        assert hashed != forged and hashed is not None and is_pseudonym(hashed, KEY), forged


def test_the_legacy_form_is_the_unmarked_pseudonym_of_the_same_author() -> None:
    before = PSEUDONYM_PREFIX + hmac.new(KEY, b"user-7", hashlib.sha256).hexdigest()[:32]
    assert legacy_form(pseudonymise("user-7", KEY) or "") == before
    assert legacy_form("user-7") is None and legacy_form(before) is None
