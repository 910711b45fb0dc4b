"""Fact-check registry and claim matching."""
