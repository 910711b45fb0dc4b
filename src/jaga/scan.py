"""Batch moderation of a file of posts: what `jaga scan` runs.

Crash safety: output and rejects are appended batch by batch and fsynced, then a checkpoint records
how many input records are done and how long both files were at that moment (written atomically:
temp file + rename). `--resume` truncates both files back to the checkpoint and skips the records
already done, so a scan killed at any instant (Ctrl-C or kill -9) resumes with no loss and no
duplicates. With `--store`, each batch goes through the one after-decision path (`jaga.moderation`:
strikes, storage, review tasks, audit, webhook events), as the service's requests do. Posts,
decisions, strikes and review tasks are upserted, so a replayed batch cannot duplicate them; a batch
replayed after its commit does add a second audit entry and `decision.created` event for the same
decisions (webhook receivers deduplicate by decision id).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from jaga.ingest.readers import InputError, Record, RecordReader
from jaga.ingest.writers import LINE_BREAKS, WRITERS, JsonlWriter, read_staged
from jaga.moderation import ModerationRecord, account_rules
from jaga.moderation import record as record_decided
from jaga.pipeline import Moderator
from jaga.store import Store
from jaga.types import Decision, Post, now_utc

logger = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1
SCAN_ACTOR = "scan"
"""Who the audit log names for what a scan records (the service names the API key)."""


@dataclass
class ScanSummary:
    """Running totals, kept in the checkpoint so a resumed scan reports the whole run."""

    records: int = 0
    decisions: int = 0
    rejects: int = 0
    authority_requests: int = 0  # state involvement, published separately (Santa Clara "Numbers")
    by_action: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    started_at: str = field(default_factory=lambda: now_utc().isoformat())

    def add(self, decisions: list[Decision], rejects: int) -> None:
        self.records += len(decisions) + rejects
        self.authority_requests += sum(1 for decision in decisions
                                       if decision.statement and decision.statement.authority_request)
        self.decisions += len(decisions)
        self.rejects += rejects
        for decision in decisions:
            self.by_action[str(decision.action)] += 1
            self.by_language[decision.language.code] += 1
            for category in decision.categories:
                self.by_category[category.value] += 1

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "decisions": self.decisions, "rejects": self.rejects,
                "authority_requests": self.authority_requests,
                "by_action": dict(self.by_action), "by_category": dict(self.by_category),
                "by_language": dict(self.by_language), "started_at": self.started_at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScanSummary:
        counters = {"by_action", "by_category", "by_language"}
        fields: dict[str, Any] = {key: Counter(value) if key in counters else value for key, value in data.items()}
        return cls(**fields)


@dataclass(frozen=True)
class ScanPaths:
    """Where a scan writes. Decisions are appended as JSON lines to `output` as the scan goes; for
    an output format that is not JSONL (chosen by the target's suffix in `WRITERS`), `output` is a
    staging file beside the target (`final`), written in `format` by `finish_output` at the end."""

    output: Path | None  # None: standard output (no resume)
    rejects: Path
    checkpoint: Path | None
    final: Path | None  # the target when decisions are staged first (a format other than JSONL)
    format: str = JsonlWriter.name

    @classmethod
    def for_output(cls, output: str, rejects: str | None = None) -> ScanPaths:
        """Raises `InputError` (naming the known suffixes) for a target whose suffix no writer owns."""
        if output == "-":
            return cls(None, Path(rejects or "rejects.jsonl"), None, None)
        target = Path(output)
        writer = WRITERS.for_path(target)
        final = None if writer.streams else target
        staging = target.with_name(f".{target.name}.partial.jsonl") if final else target
        return cls(
            output=staging,
            rejects=Path(rejects) if rejects else target.with_name(f"{target.stem}.rejects.jsonl"),
            checkpoint=target.with_name(f".{target.name}.checkpoint.json"),
            final=final,
            format=writer.name,
        )


class ScanError(Exception):
    """The scan cannot start or go on (bad arguments, a checkpoint from another input)."""


ProgressCallback = Callable[[int, int | None, ScanSummary], None]


def scan(
    input_path: str,
    output: str,
    *,
    moderator: Moderator | None = None,
    input_format: str | None = None,
    rejects: str | None = None,
    resume: bool = False,
    store: Store | None = None,
    jurisdiction: str | None = None,
    batch_size: int = 256,
    progress: ProgressCallback | None = None,
    strict: bool = False,
) -> tuple[ScanSummary, ScanPaths]:
    """`strict` rejects records with fields Jaga does not know, rather than keeping them in `Post.extra`."""
    paths = ScanPaths.for_output(output, rejects)
    summary, skip, output_bytes, rejects_bytes = _start(paths, input_path, resume)
    reader = RecordReader(input_path, input_format, skip=skip, strict=strict)
    moderator = moderator or Moderator()
    out_handle = open_output(paths.output, output_bytes)
    rejects_handle = open_truncated(paths.rejects, rejects_bytes)
    try:
        batch: list[Record] = []
        for record in reader:
            batch.append(record)
            if len(batch) >= batch_size:
                _process(batch, moderator, out_handle, rejects_handle, store, jurisdiction, summary, paths, input_path)
                batch = []
                if progress:
                    progress(reader.position, reader.total, summary)
        if batch:
            _process(batch, moderator, out_handle, rejects_handle, store, jurisdiction, summary, paths, input_path)
            if progress:
                progress(reader.position, reader.total, summary)
    finally:
        if out_handle is not sys.stdout:
            out_handle.close()
        rejects_handle.close()
    finish_output(paths)
    if paths.checkpoint is not None:
        paths.checkpoint.unlink(missing_ok=True)
    if summary.rejects == 0 and paths.rejects.exists() and paths.rejects.stat().st_size == 0:
        paths.rejects.unlink()
    return summary, paths


def _start(paths: ScanPaths, input_path: str, resume: bool) -> tuple[ScanSummary, int, int, int]:
    """Fresh totals, or the checkpoint's; and how many records and bytes are already done."""
    if paths.checkpoint is None:
        if resume:
            raise ScanError("--resume needs an output file (not standard output)")
        return ScanSummary(), 0, 0, 0
    if not resume:
        if paths.checkpoint.exists():
            raise ScanError(f"an interrupted scan left {paths.checkpoint}; pass --resume to continue it, "
                            "or delete that file to start over")
        return ScanSummary(), 0, 0, 0
    if not paths.checkpoint.exists():
        if paths.output is not None and paths.output.exists() and paths.output.stat().st_size > 0:
            raise ScanError(f"nothing to resume: no checkpoint for {paths.output} (the scan had finished, or "
                            "never started)")
        return ScanSummary(), 0, 0, 0
    try:
        checkpoint = json.loads(paths.checkpoint.read_text())
        if checkpoint.get("input") != os.path.abspath(input_path):
            raise ScanError(f"the checkpoint belongs to a scan of {checkpoint.get('input')}, not {input_path}")
        return (ScanSummary.from_json(checkpoint["summary"]), int(checkpoint["records_done"]),
                int(checkpoint["output_bytes"]), int(checkpoint["rejects_bytes"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # written atomically, but disks fail
        raise ScanError(f"the checkpoint {paths.checkpoint} cannot be read ({type(error).__name__}: {error}); "
                        "delete it, and the output, to start over") from error


def open_output(path: Path | None, keep_bytes: int) -> IO[str]:
    """Where decisions are appended: standard output, or `path` after its first `keep_bytes` bytes."""
    return sys.stdout if path is None else open_truncated(path, keep_bytes)


def open_truncated(path: Path, keep_bytes: int) -> IO[str]:
    """Append handle positioned after the first `keep_bytes` bytes (drops a batch that was written
    but not checkpointed before a crash)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as handle:
        handle.truncate(keep_bytes)
    return open(path, "a", encoding="utf-8")


def _process(batch: list[Record], moderator: Moderator, out: IO[str], rejects: IO[str], store: Store | None,
             jurisdiction: str | None, summary: ScanSummary, paths: ScanPaths, input_path: str) -> None:
    posts, decisions, failed = moderate_guarded(moderator, [record for record in batch if record.post is not None],
                                                 jurisdiction)
    bad = [record for record in batch if record.post is None] + failed
    if store is not None:  # the one after-decision path (strikes, storage, reviews, audit, webhooks)
        decisions = record_decided(store, [ModerationRecord(store.org, posts, decisions, SCAN_ACTOR)],
                                   account_rules(moderator))[0]
    for decision in decisions:
        _write_line(out, decision.to_json_dict())
    for record in bad:
        _write_line(rejects, record.reject_json())
    sync(out)
    sync(rejects)
    summary.add(decisions, len(bad))
    if paths.checkpoint is not None and paths.output is not None:
        _write_checkpoint(paths, input_path, summary)


def moderate_guarded(moderator: Moderator, records: list[Record], jurisdiction: str | None
                      ) -> tuple[list[Post], list[Decision], list[Record]]:
    """Decisions for the records' posts; a post that makes a stage fail is rejected with the error as
    its reason (and logged with the traceback), never the batch: one record must not stop a scan, nor
    make `--resume` fail on the same batch forever."""
    posts = [record.post for record in records if record.post is not None]
    try:
        return posts, moderator.moderate_batch(posts, jurisdiction) if posts else [], []
    except Exception:
        kept: list[Post] = []
        decisions: list[Decision] = []
        failed: list[Record] = []
        for record in records:
            assert record.post is not None
            try:
                decisions.append(moderator.moderate(record.post, jurisdiction))
                kept.append(record.post)
            except Exception as error:
                logger.exception("record at line %s could not be moderated", record.line)
                failed.append(Record(line=record.line, error=f"moderation failed: {type(error).__name__}: {error}",
                                     raw=record.post.model_dump_json(), id=record.post.id))
        return kept, decisions, failed


def _write_line(handle: IO[str], data: dict[str, Any]) -> None:
    """One JSON line in UTF-8, or with escapes where the data holds what UTF-8 cannot encode (a lone
    surrogate in a reject's id): a reject must never fail to be written. (The text is encoded whole
    before any of it is written, so a refused line leaves nothing behind.)"""
    try:
        handle.write(json.dumps(data, ensure_ascii=False).translate(LINE_BREAKS) + "\n")
    except UnicodeEncodeError:
        handle.write(json.dumps(data) + "\n")


def sync(handle: IO[str]) -> None:
    """Written through to the disk (what a checkpoint counts must survive a crash)."""
    handle.flush()
    if handle is not sys.stdout:
        os.fsync(handle.fileno())


def _write_checkpoint(paths: ScanPaths, input_path: str, summary: ScanSummary) -> None:
    assert paths.checkpoint is not None and paths.output is not None
    state = {
        "version": CHECKPOINT_VERSION,
        "input": os.path.abspath(input_path),
        "records_done": summary.records,
        "output_bytes": paths.output.stat().st_size,
        "rejects_bytes": paths.rejects.stat().st_size,
        "summary": summary.to_json(),
        "saved_at": now_utc().isoformat(),
    }
    temporary = paths.checkpoint.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, paths.checkpoint)


def finish_output(paths: ScanPaths) -> None:
    """The staged decisions written in the output's format (`ScanPaths.final`), the staging file
    removed; nothing to do for JSONL, written as the scan went."""
    if paths.final is None or paths.output is None:
        return
    WRITERS.by_name(paths.format)().write(read_staged(paths.output), paths.final)
    paths.output.unlink()


__all__ = ["InputError", "ScanError", "ScanPaths", "ScanSummary", "finish_output", "open_output", "open_truncated",
           "scan", "sync"]
