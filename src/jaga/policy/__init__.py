"""Turning signals into decisions. `ThresholdPolicy` is the built-in default; the jurisdiction
policy engine plugs in through the same `Policy` protocol."""

from jaga.policy.default import CategoryThresholds, Policy, ThresholdPolicy, aggregate_scores

__all__ = ["CategoryThresholds", "Policy", "ThresholdPolicy", "aggregate_scores"]
