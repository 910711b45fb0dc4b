"""An audit chain that cannot be trimmed or rewritten unnoticed: signed checkpoints of its tip,
decisions and keys sealed inside it, malformed rows reported as findings. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from typer.testing import CliRunner

from jaga.cli import app
from jaga.store import Role, Store
from jaga.store.access import GENESIS, _row_hash
from jaga.store.checkpoints import Checkpoint, CheckpointError, signing_key_path
from jaga.types import Action, Category, Decision, LanguageInfo, Post, now_utc

MALAYSIA_MORNING = timezone(timedelta(hours=8))
DECISION_COLUMNS = ("org, id, post_id, jurisdiction, policy_version, action, categories, max_score, language, "
                    "automated, review_status, deadline, decided_at, document")


def _decision(index: int, review_status: str = "none") -> Decision:
    return Decision(id=f"dec_{index:04d}", post_id=f"post-{index}", action=Action.REMOVE if index % 2 else Action.LABEL,
                    categories=[Category.SCAM_FRAUD], scores={Category.SCAM_FRAUD: 0.5 + index / 100},
                    language=LanguageInfo(code="ms", confidence=0.9), jurisdiction="MY", policy_version="MY-test",
                    reasons=f"reason {index}", review_status=review_status, decided_at=now_utc(),
                    # a deadline in another zone: stored in UTC, so its seal still matches on SQLite
                    deadline=datetime(2030, 1, 1, 8, tzinfo=MALAYSIA_MORNING))


def _post(index: int) -> Post:
    return Post(id=f"post-{index}", text=f"post number {index}", country="MY")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A chain with every kind of sealed write: keys created and revoked, a scan's batch, a
    moderation request, a review and an upheld appeal."""
    with Store(database_url) as opened:
        acme = opened.scoped("acme")
        acme.create_key("platform", Role.PLATFORM, ["my"])
        revoked, _ = acme.create_key("old", Role.REVIEWER)
        acme.revoke_key(revoked.id)
        acme.save([_post(index) for index in range(4)], [_decision(index) for index in range(4)])
        acme.record_moderation([_post(9)], [_decision(9, review_status="pending")], actor="key-1")
        task = acme.review_tasks("open", ())[0].id
        acme.claim_review(task, "reviewer-1")
        acme.decide_review(task, "reviewer-1", Action.REMOVE, "checked")
        appeal = acme.file_appeal("dec_0009", "it was a joke", "author")
        acme.decide_appeal(appeal.id, "reviewer-2", upheld=True, note="agreed")
        yield opened


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(statement), params)


def _signed(store: Store, key: Ed25519PrivateKey) -> Checkpoint:
    return Checkpoint.sign(*store.audit_tip(), key)


def test_an_untouched_chain_verifies_with_its_checkpoint(store: Store) -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = Checkpoint.from_json(_signed(store, key).to_json())
    assert checkpoint.signature_problems(key.public_key()) == []
    assert store.verify_audit(checkpoint) == []
    store.scoped("acme").save([_post(20)], [_decision(20)])  # the chain grows past the checkpoint
    assert store.verify_audit(checkpoint) == []
    assert store.decision("dec_0009") is None  # scoped: the default organisation has none
    assert store.scoped("acme").decision("dec_0009").action == Action.ALLOW  # type: ignore[union-attr]


def test_deleting_the_last_rows_is_detected(store: Store) -> None:
    checkpoint = _signed(store, Ed25519PrivateKey.generate())
    _sql(store, "DELETE FROM audit_log WHERE seq > :seq", seq=checkpoint.seq - 2)
    problems = store.verify_audit(checkpoint)
    assert any("rows were deleted from its end" in problem for problem in problems), problems
    # the decisions those rows sealed are outside the chain now, checkpoint or not
    # the appeal's rewrite of dec_0009 went with them: its row no longer matches its last seal
    assert any(problem.startswith("decision dec_0009 (acme): differs") for problem in store.verify_audit())
    for index in (30, 31):  # new rows after the cut: SQLite reuses the deleted rows' numbers
        store.scoped("acme").save([_post(index)], [_decision(index)])
    problems = store.verify_audit(checkpoint)
    assert any(problem.startswith(f"seq {checkpoint.seq}: ") and ("is missing" in problem or "not the one" in problem)
               for problem in problems), problems


def test_deleting_every_row_is_detected(store: Store) -> None:
    checkpoint = _signed(store, Ed25519PrivateKey.generate())
    _sql(store, "DELETE FROM audit_log")
    problems = store.verify_audit(checkpoint)
    assert any("the log is empty" in problem and "every row was deleted" in problem for problem in problems)
    assert any("5 decisions are not in the audit chain" in problem for problem in store.verify_audit())
    assert any("2 keys are not in the audit chain" in problem for problem in store.verify_audit())


def _recompute_hashes_from(store: Store, first: int) -> None:
    """What someone with write access does to hide an edit: rehash that row and every later one."""
    with store.engine.begin() as connection:
        rows = connection.execute(text("SELECT seq, org, at, actor, action, subject, payload, hash FROM audit_log "
                                       "ORDER BY seq")).all()
        prev = GENESIS
        for seq, org, at, actor, action, subject, payload, row_hash in rows:
            if seq < first:
                prev = row_hash
                continue
            moment = datetime.fromisoformat(at) if isinstance(at, str) else at
            moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
            values = {"org": org, "at": moment.isoformat(), "actor": actor, "action": action, "subject": subject,
                      "payload": json.loads(payload) if isinstance(payload, str) else payload}
            new_hash = _row_hash(prev, values)
            connection.execute(text("UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE seq = :seq"),
                               {"prev": prev, "hash": new_hash, "seq": seq})
            prev = new_hash


def test_an_edit_with_every_later_hash_recomputed_is_detected(store: Store) -> None:
    checkpoint = _signed(store, Ed25519PrivateKey.generate())
    target = checkpoint.seq - 3
    _sql(store, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = :seq", seq=target)
    assert any(f"seq {target}: content changed" in problem for problem in store.verify_audit())
    _recompute_hashes_from(store, target)
    assert store.verify_audit() == []  # a chain alone cannot tell: that is what the checkpoint is for
    problems = store.verify_audit(checkpoint)
    assert any(f"seq {checkpoint.seq}: the chain up to here is not the one" in problem and "recomputed" in problem
               for problem in problems), problems


def test_edited_decision_and_key_rows_are_detected(store: Store) -> None:
    _sql(store, "UPDATE decisions SET action = 'allow' WHERE id = 'dec_0001'")
    _sql(store, "UPDATE api_keys SET role = 'admin' WHERE name = 'platform'")
    problems = store.verify_audit()
    assert any(problem.startswith("decision dec_0001 (acme): differs from what the audit chain recorded")
               for problem in problems), problems
    assert any(problem.startswith("key ") and "differs from what the audit chain recorded" in problem
               for problem in problems), problems
    # a decision slipped in by hand, and one deleted
    _sql(store, f"INSERT INTO decisions ({DECISION_COLUMNS}) SELECT 'other', 'dec_fake', {DECISION_COLUMNS[9:]} "
                "FROM decisions WHERE id = 'dec_0002'")
    _sql(store, "DELETE FROM decisions WHERE id = 'dec_0003'")
    problems = store.verify_audit()
    assert any("1 decisions are not in the audit chain" in problem and "dec_fake (other)" in problem
               for problem in problems), problems
    assert any("have no row any more" in problem and "dec_0003 (acme)" in problem for problem in problems)


def test_rows_stored_before_sealing_are_adopted_once_and_changed_rows_never(store: Store) -> None:
    # as an older Jaga left them: a decision and a key whose writes carried no seal
    _sql(store, f"INSERT INTO decisions ({DECISION_COLUMNS}) SELECT org, 'dec_legacy', {DECISION_COLUMNS[9:]} "
                "FROM decisions WHERE id = 'dec_0002'")
    _sql(store, "INSERT INTO api_keys (id, org, name, role, jurisdictions, secret_hash, created_at, revoked_at) "
                "SELECT 'legacykey0000000', org, 'legacy', role, jurisdictions, secret_hash, created_at, revoked_at "
                "FROM api_keys WHERE name = 'platform'")
    _sql(store, "UPDATE decisions SET review_status = 'decided' WHERE id = 'dec_0001'")
    assert len(store.verify_audit()) == 3
    assert store.adopt_unsealed() == {"decisions": 1, "keys": 1}
    problems = store.verify_audit()
    assert len(problems) == 1 and problems[0].startswith("decision dec_0001 (acme): differs"), problems
    _sql(store, "DELETE FROM audit_log WHERE seq = 4")  # the scan batch's seal, cut out of the chain
    with pytest.raises(ValueError, match="breaks"):
        store.adopt_unsealed()


def test_a_forged_checkpoint_is_refused(store: Store) -> None:
    key = Ed25519PrivateKey.generate()
    genuine = _signed(store, key)
    raised = replace(genuine, seq=genuine.seq + 5, length=genuine.length + 5)
    assert "does not match its content" in raised.signature_problems(key.public_key())[0]
    garbage = replace(genuine, signature="not base64!")
    assert "does not match its content" in garbage.signature_problems(key.public_key())[0]
    impostor = _signed(store, Ed25519PrivateKey.generate())
    assert "not by the given public key" in impostor.signature_problems(key.public_key())[0]
    for broken in ("{", json.dumps({"format": "something else"}), json.dumps({**json.loads(genuine.to_json()),
                                                                               "seq": "12"})):
        with pytest.raises(CheckpointError):
            Checkpoint.from_json(broken)


def test_malformed_rows_are_findings_not_tracebacks(store: Store) -> None:
    if store.engine.dialect.name == "postgresql":  # its types refuse bad values: a hand-altered schema allows NULLs
        for table, column in (("audit_log", "payload"), ("audit_log", "hash"), ("decisions", "document")):
            _sql(store, f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")
        _sql(store, "UPDATE audit_log SET payload = NULL WHERE seq = 2")
        _sql(store, "UPDATE audit_log SET hash = NULL WHERE seq = 3")
        _sql(store, "UPDATE decisions SET document = NULL WHERE id = 'dec_0001'")
    else:
        _sql(store, "UPDATE audit_log SET payload = 'not json' WHERE seq = 2")
        _sql(store, "UPDATE audit_log SET at = 'yesterday' WHERE seq = 3")
        _sql(store, "UPDATE decisions SET document = :deep WHERE id = 'dec_0001'", deep="[" * 100_000)
    _sql(store, """UPDATE audit_log SET payload = '{"decisions": [1, {"id": 2}, "x"]}' WHERE seq = 4""")
    checkpoint = Checkpoint(seq=6, length=6, hash="0" * 64, at="then", key_id="")
    problems = store.verify_audit(checkpoint)
    assert any(problem.startswith("seq 2: malformed row (payload is") for problem in problems), problems
    assert any(problem.startswith("seq 3: malformed row") for problem in problems), problems
    assert any(problem.startswith("seq 4: content changed") for problem in problems), problems
    assert any("cannot be recomputed" in problem for problem in problems), problems
    assert any(problem.startswith("decision dec_0001 (acme): malformed row (document is") for problem in problems)


def test_cli_checkpoint_and_verify_round_trip(database_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAGA_DATABASE_URL", database_url)
    runner = CliRunner()
    with Store(database_url) as store:
        store.scoped("acme").create_key("platform", Role.PLATFORM)
        store.scoped("acme").save([_post(1), _post(2)], [_decision(1), _decision(2)])
    checkpoint, public_key = tmp_path / "checkpoint.json", tmp_path / "audit.pub"

    made = runner.invoke(app, ["audit", "checkpoint", "-o", str(checkpoint)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(os.stat(signing_key_path()).st_mode) == 0o600
    assert runner.invoke(app, ["audit", "public-key", "-o", str(public_key)]).exit_code == 0
    verified = runner.invoke(app, ["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(public_key)])
    assert verified.exit_code == 0 and "audit log intact; it begins with the 2 rows" in _said(verified), verified.output

    with Store(database_url) as store:
        _sql(store, "DELETE FROM audit_log WHERE seq = 2")
    trimmed = runner.invoke(app, ["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(public_key)])
    assert trimmed.exit_code == 1 and "rows were deleted from its end" in _said(trimmed)
    refused = runner.invoke(app, ["audit", "checkpoint"])
    assert refused.exit_code == 1 and "not signing it" in _said(refused)
    # taking the decisions back in (as after an upgrade) never hides the cut from the checkpoint: on
    # SQLite the new row reuses the deleted row's number, on PostgreSQL it leaves a gap
    assert "adopted 2 decisions and 0 keys" in _said(runner.invoke(app, ["audit", "adopt"]))
    trimmed = runner.invoke(app, ["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(public_key)])
    assert trimmed.exit_code == 1 and ("seq 2: the chain up to here is not the one" in _said(trimmed)
                                       or "seq 2: the row the checkpoint" in _said(trimmed)), trimmed.output

    other = tmp_path / "other.pub"
    monkeypatch.setenv("JAGA_AUDIT_KEY_FILE", str(tmp_path / "elsewhere.key"))  # named but missing: never made up
    assert runner.invoke(app, ["audit", "public-key"]).exit_code == 1
    monkeypatch.delenv("JAGA_AUDIT_KEY_FILE")
    other.write_text("not a key")
    unusable = runner.invoke(app, ["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(other)])
    assert unusable.exit_code == 1 and "not a PEM public key" in _said(unusable)


def _said(result: Result) -> str:
    """What a command printed, with the console's line wrapping undone."""
    return " ".join(result.output.split())
