"""Turning signals into decisions: jurisdiction policies as data (`jurisdictions/*.yaml`, a regional
baseline plus each member state's law), conditions in CEL, and a statement of reasons for every
decision."""

from jaga.policy.engine import PolicyEngine
from jaga.policy.loader import PolicyError, load_policy
from jaga.policy.reasons import Policy, aggregate_scores

__all__ = ["Policy", "PolicyEngine", "PolicyError", "aggregate_scores", "load_policy"]
