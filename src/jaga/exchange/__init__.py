"""Exchange between members: signed bundles of fact-checks (schema.org ClaimReview), hash-bank
entries (ThreatExchange/HMA signal types) and campaign indicators, passed from one organisation to
another with their provenance, and imported only from allow-listed partners. Format: docs/exchange.md.
"""

from jaga.exchange.bundle import FORMAT, BundleError, Kind, parse_kinds
from jaga.exchange.indicators import CampaignIndicator, MinHashSignature
from jaga.exchange.transfer import ExportResult, ImportReport, Rejection, export_bundle, import_bundle

__all__ = ["FORMAT", "BundleError", "CampaignIndicator", "ExportResult", "ImportReport", "Kind", "MinHashSignature",
           "Rejection", "export_bundle", "import_bundle", "parse_kinds"]
