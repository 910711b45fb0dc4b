from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from jaga.training.templates import generate, template_dir
from jaga.types import Category


def test_every_template_file_is_well_formed() -> None:
    files = sorted(template_dir().glob("*.yaml"))
    assert {path.stem for path in files} >= {"en", "id", "ms", "tl", "vi", "th", "zh", "ta"}
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["language"] == path.stem or data.get("variety"), path.name  # sg.yaml: Singlish, language en
        assert data["targets"]
        for template in data["hateful"] + data["not_hateful"]:
            assert "{t}" in template, (path.name, template)


def test_generation_is_deterministic_and_balanced() -> None:
    first = list(generate(seed=3))
    assert first == list(generate(seed=3))
    labels = Counter(labels[Category.HATE_SPEECH] for _, _, labels, _ in first)
    assert labels[1] > 0 and labels[0] > 0
    assert 0.3 < labels[1] / len(first) < 0.7
    harassment_only = [text for text, _, labels, _ in first if labels.get(Category.HARASSMENT) == 1]
    weight = Counter()
    for _, language, labels, sample_weight in first:
        if language == "en":
            weight[labels[Category.HATE_SPEECH]] += sample_weight
    assert abs(weight[1] - weight[0]) / weight[1] < 0.2, "hateful and non-hateful weigh the same"
    assert harassment_only, "abuse at individuals teaches harassment without hate"


def test_spelling_noise_is_added_to_some_hateful_cases(tmp_path: Path) -> None:
    source = (template_dir() / "en.yaml").read_text(encoding="utf-8")
    (tmp_path / "en.yaml").write_text(source, encoding="utf-8")  # one file, so the count is its own
    data = yaml.safe_load(source)
    clean = {template.replace("{t}", target) for template in data["hateful"] for target in data["targets"]}
    generated = {text for text, language, labels, _ in generate(directory=tmp_path)
                 if language == "en" and labels[Category.HATE_SPEECH] == 1}
    noisy = generated - clean
    assert clean <= generated
    assert 0.15 * len(clean) < len(noisy) < 0.45 * len(clean)
