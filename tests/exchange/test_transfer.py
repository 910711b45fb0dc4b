"""Export and import through a real store (SQLite and PostgreSQL): a round trip keeps every record and
its provenance; a bundle from a stranger, or signed by another key, or altered, is refused with a
reason; items of a kind the partner may not send, or that would overwrite the importer's own, are
refused one by one while the rest land; re-importing adds nothing; only the importer sees them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jaga.claims.model import FactCheck, Verdict
from jaga.exchange import BundleError, Kind, export_bundle, import_bundle
from jaga.exchange.bundle import Item, Provenance, public_pem, sign
from jaga.exchange.transfer import campaign_indicators, new_partner
from jaga.store import Store

from .world import FACT_CHECKS, INDICATOR, MD5, TEXT, fill, transported

ALL = (Kind.FACT_CHECK, Kind.BANK_ENTRY, Kind.CAMPAIGN)


@dataclass
class World:
    store: Store
    mafindo: Store
    acme: Store
    key: Ed25519PrivateKey

    def bundle(self, kinds: tuple[Kind, ...] = ALL) -> dict[str, Any]:
        return transported(export_bundle(self.mafindo, kinds, "CC-BY-4.0", self.key, [INDICATOR]).document)

    def trust(self, kinds: str = "fact-checks,banks,campaigns", key: Ed25519PrivateKey | None = None) -> None:
        self.acme.save_partner(new_partner("mafindo", public_pem(key or self.key), kinds))


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    store = Store(database_url)
    mafindo = store.scoped("mafindo")
    fill(mafindo)
    yield World(store, mafindo, store.scoped("acme"), Ed25519PrivateKey.generate())
    store.close()


def test_round_trip_keeps_records_and_provenance(world: World) -> None:
    world.trust()
    report = import_bundle(world.acme, world.bundle(), actor="test")
    assert report.rejected == [] and report.added == {"fact-check": 2, "bank-entry": 2, "campaign": 1}
    assert [world.acme.fact_check(fc.id) for fc in FACT_CHECKS] == FACT_CHECKS
    bank = world.acme.bank("mafindo.KNOWN")
    assert bank is not None and bank.category == world.mafindo.bank("KNOWN").category and bank.enabled  # type: ignore[union-attr]
    assert {(e.signal_type, e.signal, e.content_id) for e in world.acme.bank_entries("mafindo.KNOWN")} == {
        (e.signal_type, e.signal, e.content_id) for e in world.mafindo.bank_entries("KNOWN")}
    assert campaign_indicators(world.acme) == [INDICATOR]
    provenance = {item.item_id: item for item in world.acme.shared_items()}
    assert set(provenance) == {"mafindo:1", "mafindo:2", "mafindo/c-0001", *(
        f"mafindo.KNOWN:{kind}:{digest}" for kind, digest in (
            ("raw_text", _sha(TEXT)), ("video_md5", _sha(MD5))))}
    first = provenance["mafindo:1"]
    assert (first.origin, first.partner, first.licence, first.source, first.bundle) == (
        "mafindo", "mafindo", "CC-BY-4.0", "mafindo", report.bundle)
    assert first.document["data"]["@type"] == "ClaimReview"

    # acme shares on what it received: the origin, licence and first sharing time travel unchanged
    onward = export_bundle(world.acme, ALL, "CC0-1.0", Ed25519PrivateKey.generate()).document
    items = {item["id"]: item["provenance"] for item in onward["items"]}
    assert items["mafindo:1"] | {"shared_by": "x"} == {"origin": "mafindo", "shared_by": "x", "licence": "CC-BY-4.0",
                                                      "source": "mafindo",
                                                      "shared_at": first.shared_at.isoformat().replace("+00:00", "Z")}
    assert onward["header"]["issuer"] == "acme" and items["c-0001"]["origin"] == "mafindo"
    assert any(entry["bank"] == "mafindo.KNOWN" for entry in (i["data"] for i in onward["items"])
               if "bank" in entry)


def _sha(signal: str) -> str:
    import hashlib

    from jaga.banks.signals import signal_type

    kind = "text" if signal == TEXT else "md5"
    return hashlib.sha256(signal_type(kind).validate(signal).encode()).hexdigest()


def test_reimport_adds_nothing_and_a_changed_record_is_updated(world: World) -> None:
    world.trust()
    bundle = world.bundle()
    import_bundle(world.acme, bundle)
    audit_length = world.store.audit_tip()[1]
    again = import_bundle(world.acme, copy.deepcopy(bundle))
    assert (again.added, again.updated, again.unchanged, again.rejected) == ({}, {}, 5, [])
    assert world.store.audit_tip()[1] == audit_length  # nothing written, not even an audit entry
    assert world.acme.bank_sizes() == {"mafindo.KNOWN": 2} and world.acme.count_fact_checks() == 2

    # a correction at the source arrives as an update, and a second export keeps the first shared_at
    shared_at = next(item["provenance"]["shared_at"] for item in bundle["items"] if item["id"] == "mafindo:2")
    corrected = FACT_CHECKS[1].model_copy(update={"verdict": Verdict.FALSE, "rating": "ข่าวปลอม"})
    world.mafindo.save_fact_checks([corrected])
    later = world.bundle()
    assert next(item["provenance"]["shared_at"] for item in later["items"] if item["id"] == "mafindo:2") == shared_at
    relicensed = export_bundle(world.mafindo, (Kind.FACT_CHECK,), "CC0-1.0", world.key).document["items"]
    assert {(item["provenance"]["licence"], item["provenance"]["shared_at"]) for item in relicensed
            if item["id"] == "mafindo:2"} == {("CC0-1.0", shared_at)}
    report = import_bundle(world.acme, later)
    assert (report.added, report.updated, report.unchanged) == ({}, {"fact-check": 1}, 4)
    assert world.acme.fact_check("mafindo:2") == corrected


def test_unknown_partner_wrong_key_and_bad_signature_refuse_the_whole_bundle(world: World) -> None:
    bundle = world.bundle()
    with pytest.raises(BundleError) as stranger:
        import_bundle(world.acme, bundle)
    assert stranger.value.code == "unknown_partner" and "'mafindo' is not a partner of 'acme'" in str(stranger.value)

    world.trust(key=Ed25519PrivateKey.generate())  # someone else's key registered under mafindo's name
    with pytest.raises(BundleError) as wrong:
        import_bundle(world.acme, bundle)
    assert wrong.value.code == "wrong_key"

    world.trust()
    forged = copy.deepcopy(bundle)
    forged["header"]["licence"] = "CC0-1.0"
    with pytest.raises(BundleError) as bad:
        import_bundle(world.acme, forged)
    assert bad.value.code == "bad_signature"
    assert world.acme.count_fact_checks() == 0 and list(world.acme.shared_items()) == []


def test_a_tampered_or_foreign_item_is_refused_alone(world: World) -> None:
    world.trust()
    bundle = world.bundle()
    tampered = next(item for item in bundle["items"] if item["id"] == "mafindo:1")
    tampered["data"]["reviewRating"]["alternateName"] = "Benar"  # a false claim turned true in transit
    bundle["items"].append({**copy.deepcopy(tampered), "id": "slipped-in"})
    del bundle["items"][[item["id"] for item in bundle["items"]].index("c-0001")]
    report = import_bundle(world.acme, bundle)
    reasons = {(r.id, r.reason.split(":")[0]) for r in report.rejected}
    assert reasons == {("mafindo:1", "not in the signed manifest"), ("slipped-in", "not in the signed manifest"),
                       ("c-0001", "listed in the signed manifest but missing")}
    assert report.added == {"fact-check": 1, "bank-entry": 2}
    assert world.acme.fact_check("mafindo:1") is None and world.acme.fact_check("mafindo:2") is not None


def test_signed_but_bad_items_are_refused_one_by_one(world: World) -> None:
    """The partner itself signed nonsense: each bad item gets its reason, the good one lands."""
    world.trust()
    now = INDICATOR.first_seen
    provenance = Provenance(origin="mafindo", shared_by="mafindo", shared_at=now, licence="CC-BY-4.0")
    items = [Item(kind=Kind.FACT_CHECK, id="x:1", provenance=provenance, data={"@type": "ClaimReview"}),
             Item(kind=Kind.BANK_ENTRY, id="KNOWN:pdq:0", provenance=provenance,
                  data={"bank": "KNOWN", "category": "scam_fraud", "signal_type": "pdq", "signal": "zz"}),
             Item(kind=Kind.CAMPAIGN, id="c-9", provenance=provenance, data={"id": "c-9"}),
             Item(kind=Kind.CAMPAIGN, id="c-0001", provenance=provenance.model_copy(update={"shared_by": "acme"}),
                  data=INDICATOR.model_dump(mode="json")),
             Item(kind=Kind.CAMPAIGN, id="c-0001", provenance=provenance, data=INDICATOR.model_dump(mode="json"))]
    report = import_bundle(world.acme, transported(sign("mafindo", "CC-BY-4.0", items, world.key, now)))
    reasons = [(r.index, r.reason) for r in report.rejected]
    assert [index for index, _ in reasons] == [3, 0, 1, 2]
    assert "shared by 'acme'" in reasons[0][1] and "claimReviewed is missing" in reasons[1][1]
    assert "PDQ" in reasons[2][1] or "pdq" in reasons[2][1].lower()
    assert "first_seen" in reasons[3][1] and report.added == {"campaign": 1}


def test_disallowed_kinds_and_clashes_with_the_importers_own_records(world: World) -> None:
    world.trust("fact-checks")
    own = FactCheck(id="mafindo:2", claim="our own record under the same id", language="en", verdict=Verdict.TRUE,
                    rating="True", publisher="Acme")
    world.acme.save_fact_checks([own])
    report = import_bundle(world.acme, world.bundle())
    by_kind = {r.kind: r.reason for r in report.rejected if r.kind != "fact-check"}
    assert by_kind == {kind: f"{kind} items are not accepted from 'mafindo' (accepted: fact-check)"
                       for kind in ("bank-entry", "campaign")}
    clash = [r.reason for r in report.rejected if r.kind == "fact-check"]
    assert clash == ["a fact-check with this id already exists in this organisation; not overwritten"]
    assert report.added == {"fact-check": 1} and world.acme.fact_check("mafindo:2") == own
    assert world.acme.banks() == [] and campaign_indicators(world.acme) == []


def test_imports_land_in_the_importing_organisation_only(world: World) -> None:
    world.trust()
    import_bundle(world.acme, world.bundle())
    other = world.store.scoped("other")
    assert other.count_fact_checks() == 0 and other.banks() == [] and list(other.shared_items()) == []
    assert other.partners() == [] and world.acme.partners()[0].name == "mafindo"
    with pytest.raises(BundleError, match="not a partner of 'other'"):
        import_bundle(other, world.bundle())
    assert world.acme.remove_partner("mafindo") and not world.acme.remove_partner("mafindo")
    assert world.acme.count_fact_checks() == 2  # what came stays, with its provenance


def test_an_imported_allow_list_starts_disabled(world: World) -> None:
    from jaga.banks.exchange import entry
    from jaga.banks.model import Bank

    world.mafindo.save_bank(Bank(name="CLEARED", label="news photos", category=None, allow=True))
    world.mafindo.add_bank_entries([entry("CLEARED", "md5", "f" * 32)])
    world.trust("banks")
    import_bundle(world.acme, world.bundle((Kind.BANK_ENTRY,)))
    cleared = world.acme.bank("mafindo.CLEARED")
    assert cleared is not None and cleared.allow and not cleared.enabled
    assert world.acme.bank("mafindo.KNOWN").enabled  # type: ignore[union-attr]


def test_saved_campaigns_are_shared_without_naming_their_accounts(world: World) -> None:
    """A campaign kept with `jaga campaigns --save` travels in the next bundle as an indicator: its
    texts, links and counts, never the (pseudonymised) accounts."""
    from datetime import UTC, datetime, timedelta

    from jaga.campaigns import detect_campaigns
    from jaga.types import Post

    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    messages = ["Vaksin terbaru mengandung chip pelacak, para dokter sudah mengakuinya. Jangan mau disuntik!",
                "Rumah sakit dibayar untuk mencatat setiap kematian sebagai korban virus. Buka matamu sekarang.",
                "Minum air rebusan daun sirih tiga kali sehari terbukti menyembuhkan virus lebih cepat dari obat."]
    posts = [Post(id=f"p{index}-{account}", author_id=f"acct{account}", text=message,
                  created_at=start + timedelta(minutes=45 * index + account))
             for index, message in enumerate(messages) for account in range(5)]
    [campaign] = detect_campaigns(posts).campaigns
    world.mafindo.save_campaigns([campaign])
    document = export_bundle(world.mafindo, (Kind.CAMPAIGN,), "CC-BY-4.0", world.key).document
    [shared] = [item for item in document["items"] if item["kind"] == Kind.CAMPAIGN]
    assert shared["id"] == campaign.id and shared["data"]["accounts"] == len(campaign.accounts)
    assert not any(account in str(document) for account in campaign.accounts)
    world.trust()
    assert import_bundle(world.acme, transported(document), actor="test").added == {"campaign": 1}


def test_an_older_bundle_sent_again_cannot_roll_items_back(world: World) -> None:
    """A partner's correction must stick: its earlier bundle, still validly signed, is refused once a
    newer one has been imported (`replayed_bundle`), while the same bundle again changes nothing; a
    bundle signed in the future is refused too, so that it cannot block the partner's next ones."""
    from datetime import timedelta

    from jaga.types import now_utc

    world.trust()
    first = world.bundle()
    import_bundle(world.acme, first)
    corrected = FACT_CHECKS[1].model_copy(update={"verdict": Verdict.FALSE, "rating": "ข่าวปลอม"})
    world.mafindo.save_fact_checks([corrected])
    second = world.bundle()
    assert import_bundle(world.acme, second).updated == {"fact-check": 1}
    with pytest.raises(BundleError) as replayed:
        import_bundle(world.acme, copy.deepcopy(first))
    assert replayed.value.code == "replayed_bundle" and "ask the partner for a new export" in str(replayed.value)
    assert world.acme.fact_check("mafindo:2") == corrected  # not rolled back
    assert import_bundle(world.acme, copy.deepcopy(second)).unchanged == 5  # the newest again: a no-op
    partner = world.acme.partner("mafindo")
    assert partner is not None and partner.last_bundle_at is not None and partner.last_bundle is not None

    provenance = Provenance(origin="mafindo", shared_by="mafindo", shared_at=now_utc(), licence="CC-BY-4.0")
    ahead = now_utc() + timedelta(days=2)
    items = [Item(kind=Kind.CAMPAIGN, id="c-0001", provenance=provenance, data=INDICATOR.model_dump(mode="json"))]
    with pytest.raises(BundleError) as future:
        import_bundle(world.acme, transported(sign("mafindo", "CC-BY-4.0", items, world.key, ahead)))
    assert future.value.code == "future_bundle"
    assert world.acme.partner("mafindo").last_bundle == partner.last_bundle  # type: ignore[union-attr]
