"""The model card's figures: the blind suites' mean and per-functionality accuracy are weighed by cases."""

from jaga.training.card import _blind_lines


def test_blind_suites_are_summarised_worst_functionality_first() -> None:
    full = {
        "jaga corpus test split": {"macro_f1": 0.9, "by_functionality": {"slur_h": {"accuracy": 1.0, "n": 10}}},
        "blind en": {"macro_f1": 0.8, "by_functionality": {"slur_h": {"accuracy": 0.5, "n": 10},
                                                            "target_indiv_nh": {"accuracy": 0.2, "n": 5}}},
        "blind th": {"macro_f1": 0.9, "by_functionality": {"slur_h": {"accuracy": 1.0, "n": 30}}},
    }
    lines = _blind_lines(full)
    assert "mean macro-F1 85.0" in lines[1]
    assert lines[-2:] == ["| target_indiv_nh | 20.0 | 5 |", "| slur_h | 87.5 | 40 |"]
    assert _blind_lines({"jaga corpus test split": full["jaga corpus test split"]}) == []
