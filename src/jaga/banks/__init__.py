"""Hash banks: known content (exact media hashes, PDQ for images, canonical text) matched in every
post, with allow-lists, exchange in the ThreatExchange/HMA formats, and a CLI and API.
See README.md in this folder."""

from jaga.banks.matcher import BankMatch, BankMatcher, MediaError
from jaga.banks.model import Bank, BankEntry
from jaga.banks.signals import SIGNAL_TYPES, SignalType, signal_type

__all__ = ["SIGNAL_TYPES", "Bank", "BankEntry", "BankMatch", "BankMatcher", "MediaError", "SignalType", "signal_type"]
