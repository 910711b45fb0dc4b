"""Detectors: each finds one kind of evidence and emits `Signal`s.

`DETECTORS` is the registry the default `Moderator` builds from; add a class here to add a signal.
"""

from collections.abc import Callable

from jaga.detect.base import Detector, PreparedPost
from jaga.detect.classifier import ClassifierDetector, HarmClassifier
from jaga.detect.harms import HarmDetector
from jaga.detect.heads import HeadsDetector
from jaga.detect.lexicon import LexiconDetector
from jaga.detect.urls import UrlDetector, extract_urls, normalise_url

DETECTORS: dict[str, Callable[[], Detector]] = {
    ClassifierDetector.name: ClassifierDetector,
    LexiconDetector.name: LexiconDetector,
    HarmDetector.name: HarmDetector,
    HeadsDetector.name: HeadsDetector,
    UrlDetector.name: UrlDetector,
}

__all__ = [
    "DETECTORS",
    "ClassifierDetector",
    "Detector",
    "HarmClassifier",
    "HarmDetector",
    "HeadsDetector",
    "LexiconDetector",
    "PreparedPost",
    "UrlDetector",
    "extract_urls",
    "normalise_url",
]
