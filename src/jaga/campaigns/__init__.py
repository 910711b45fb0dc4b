"""Coordinated campaigns: networks of accounts posting the same message, link or hashtag within minutes.

`detect_campaigns` finds them in a batch of posts; `jaga.campaigns.report` writes what it found as
JSON, GEXF, GraphML or a self-contained HTML report; `jaga.campaigns.evaluation` measures recovery of
synthetic campaigns injected into real posts. They sit after `banks` in the import order: campaigns
are reference data that detection can match posts against.
"""

from jaga.campaigns.detect import KINDS, Campaign, CampaignResult, PostBatch, detect_campaigns
from jaga.campaigns.minhash import LshParams

__all__ = ["KINDS", "Campaign", "CampaignResult", "LshParams", "PostBatch", "detect_campaigns"]
