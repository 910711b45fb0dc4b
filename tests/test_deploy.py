"""The deployment files, linted (this machine cannot pull base images, so the build itself is not
run here): the compose file wires only settings Jaga has, the image runs the real CLI with probes
that exist, and Prometheus scrapes the service it names."""

from __future__ import annotations

from pathlib import Path

import yaml

from jaga.config import Settings
from jaga.service import create_app

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_compose_sets_only_real_settings_and_its_services_exist() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    known = {f"JAGA_{name.upper()}" for name in Settings.model_fields}
    assert set(services["jaga"]["environment"]) <= known
    assert set(services["jaga"]["depends_on"]) <= set(services)
    assert services["jaga"]["build"]["dockerfile"] == "deploy/Containerfile"
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    assert scrape["scrape_configs"][0]["static_configs"][0]["targets"] == ["jaga:8000"]


def test_the_image_runs_jaga_serve_with_probes_the_service_has(tmp_path: Path) -> None:
    lines = (DEPLOY / "Containerfile").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and any(line.startswith("FROM python:3.11") for line in lines)
    assert any(line.startswith("USER ") and "root" not in line for line in lines)
    command = next(line for line in lines if line.startswith("CMD "))
    assert '"jaga", "serve"' in command
    paths = set(create_app(f"sqlite:///{tmp_path / 'jaga.db'}", moderator=object()).openapi()["paths"])  # type: ignore[arg-type]
    assert {"/livez", "/readyz", "/metrics"} <= paths
    assert "/livez" in "\n".join(lines)
