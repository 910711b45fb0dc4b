"""`jaga exchange` end to end on the default SQLite store of the test's Jaga home: two organisations
make keys, one allow-lists the other, a bundle travels through a file, is re-imported (nothing
added), tampered (exit 3, the item named) and refused from a stranger (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from jaga.cli.exchange import exchange_app
from jaga.store import Store

from .world import INDICATOR, fill

app = typer.Typer()
app.add_typer(exchange_app, name="exchange")
runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    """What the command printed (stdout and stderr), with rich's line wrapping undone."""
    result = runner.invoke(app, ["exchange", *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def public_key(org: str) -> str:
    result = runner.invoke(app, ["exchange", "keygen", "--org", org])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_keygen_partners_export_import(tmp_path: Path) -> None:
    fill(Store().scoped("mafindo"))
    public = tmp_path / "mafindo.pem"
    public.write_text(public_key("mafindo"))
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert public_key("mafindo") == public.read_text()  # kept, never replaced
    campaigns = tmp_path / "campaigns.jsonl"
    campaigns.write_text(INDICATOR.model_dump_json() + "\n")
    bundle = tmp_path / "bundle.json"
    assert "signed 2 bank-entry, 1 campaign, 2 fact-check" in run(
        "export", "-o", str(bundle), "--org", "mafindo", "--campaigns", str(campaigns))

    assert "not a partner of 'acme'" in run("import", str(bundle), "--org", "acme", code=1)
    run("partners", "add", "mafindo", "--public-key", str(public), "--kinds", "fact-checks,campaigns", "--org", "acme")
    assert "mafindo" in run("partners", "list", "--org", "acme")
    listed = json.loads(run("partners", "list", "--org", "acme", "--json"))
    assert listed[0]["kinds"] == ["campaign", "fact-check"]
    output = run("import", str(bundle), "--org", "acme", code=3)  # bank entries are not accepted from mafindo
    assert "added 1 campaign, 2 fact-check" in output and "bank-entry items are not accepted" in output
    run("partners", "add", "mafindo", "--public-key", str(public), "--kinds", "fact-checks,banks,campaigns",
        "--org", "acme")
    report = json.loads(run("import", str(bundle), "--org", "acme", "--json"))
    assert (report["added"], report["unchanged"], report["rejected"]) == ({"bank-entry": 2}, 3, [])

    document = json.loads(bundle.read_text())
    document["items"][0]["data"]["claimReviewed"] = "something else"
    bundle.write_text(json.dumps(document))
    assert "not in the signed manifest" in run("import", str(bundle), "--org", "acme", code=3)
    document["header"]["licence"] = "CC0-1.0"
    bundle.write_text(json.dumps(document))
    assert "bad_signature" in run("import", str(bundle), "--org", "acme", code=1)

    run("partners", "remove", "mafindo", "--org", "acme")
    assert "no partner" in run("partners", "remove", "mafindo", "--org", "acme", code=1)
    assert Store().scoped("acme").count_fact_checks() == 2


def test_bad_input_fails_clearly(tmp_path: Path) -> None:
    assert "no exchange signing key" in run("export", "-o", str(tmp_path / "b.json"), code=1)
    run("keygen")
    assert "unknown kind posts" in run("export", "-o", str(tmp_path / "b.json"), "--kinds", "posts", code=1)
    bad = tmp_path / "campaigns.json"
    bad.write_text('[{"id": "c1"}]')
    assert "indicator 1" in run("export", "-o", str(tmp_path / "b.json"), "--campaigns", str(bad), code=1)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    assert "not a PEM public key" in run("partners", "add", "x", "--public-key", str(junk), code=1)
    notjson = tmp_path / "n.json"
    notjson.write_text("{")
    assert "is not JSON" in run("import", str(notjson), code=1)
