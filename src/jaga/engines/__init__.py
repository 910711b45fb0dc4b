"""Engines beyond one process: an Arrow batch entry point (`jaga.engines.arrow`, for Spark's
`mapInArrow` and anything that moves Arrow) and Ray (`jaga.engines.ray`, `jaga scan --engine ray`).
Both run the same `Moderator` as the local scan and write the same decisions; only where the work runs
changes. Kept apart from `jaga.scan` so that the local scan never imports Ray."""
