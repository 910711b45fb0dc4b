"""The columns hold whatever the API accepts: PostgreSQL refuses a value longer than its VARCHAR (a
500 for the client), SQLite does not, so only a comparison of the limits finds the gap."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from sqlalchemy import Column

from jaga.privacy import pseudonymise
from jaga.service import schemas
from jaga.store.models import AppealRow, DecisionRow, IdempotencyRow, PostRow, ReportRow, ReviewTaskRow, WebhookRow
from jaga.types import AuthorityRequest, Post

PSEUDONYMISED = "pseudonymised"
"""Stored as the author's pseudonym, whatever the length of the id sent."""

COLUMNS: dict[str, list[Any]] = {
    "Post.id": [PostRow.post_id, DecisionRow.post_id, ReviewTaskRow.post_id, ReportRow.post_id],
    "Post.text": [PostRow.text],
    "Post.author_id": [PSEUDONYMISED],
    "Post.platform": [PostRow.platform],
    "ModerateRequest.jurisdiction": [DecisionRow.jurisdiction, ReviewTaskRow.jurisdiction, ReportRow.jurisdiction],
    "ReviewDecisionRequest.note": [ReviewTaskRow.note],
    "AssignRequest.reviewer": [ReviewTaskRow.claimed_by],  # an API key's id
    "AppealRequest.decision_id": [AppealRow.decision_id, DecisionRow.id, ReviewTaskRow.decision_id],
    "AppealRequest.reason": [AppealRow.reason],
    "AppealDecisionRequest.note": [AppealRow.note],
    "ReportRequest.post_id": [ReportRow.post_id],
    "ReportRequest.reporter": [ReportRow.reporter, PSEUDONYMISED],
    "ReportRequest.reason": [ReportRow.reason],
    "WebhookRequest.url": [WebhookRow.url],
}
NOT_IN_A_COLUMN = {
    "ClaimSearchRequest.text": "searched, never stored",
    "Post.reply_to": "JSON (posts.extra)", "Post.repost_of": "JSON (posts.extra)",
    "AuthorityRequest.agency": "JSON (posts.extra, the decision's statement)",
    "AuthorityRequest.legal_basis": "JSON", "AuthorityRequest.reference": "JSON",
}
HEADERS_AND_PATHS = [(200, [IdempotencyRow.key]),  # Idempotency-Key: Header(max_length=200)
                     (64, [DecisionRow.id, ReviewTaskRow.id, AppealRow.id])]  # IdParam: {1,64}
LONGEST_PSEUDONYM = len(pseudonymise("x", b"any key") or "")


def _models() -> list[type[BaseModel]]:
    requests = [model for name, model in vars(schemas).items()
                if name.endswith("Request") and isinstance(model, type) and issubclass(model, BaseModel)]
    return [*requests, Post, AuthorityRequest]


def _is_text(annotation: Any) -> bool:
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) or \
        typing.get_origin(annotation) is typing.Union else (annotation,)
    return any(option is str for option in options)


def _limit(field: FieldInfo) -> int | None:
    """The longest string a field accepts, from max_length or a pattern ending in {m,n}$."""
    for item in field.metadata:
        if getattr(item, "max_length", None) is not None:
            return int(item.max_length)
        pattern = getattr(item, "pattern", None)
        if pattern and (found := re.search(r"\{\d+,(\d+)\}\$$", pattern)):
            return int(found.group(1))
    return None


def _length(column: Any) -> int | None:
    """None: no limit (TEXT, JSON)."""
    return getattr(typing.cast(Column[Any], column).type, "length", None)


@pytest.mark.parametrize("model", _models(), ids=lambda model: model.__name__)
def test_every_limited_text_field_is_mapped_to_its_columns(model: type[BaseModel]) -> None:
    for name, field in model.model_fields.items():
        label = f"{model.__name__}.{name}"
        if _is_text(field.annotation) and _limit(field) is not None:
            assert label in COLUMNS or label in NOT_IN_A_COLUMN, f"{label}: which columns store it?"


@pytest.mark.parametrize("label", sorted(COLUMNS))
def test_columns_hold_the_longest_value_the_api_accepts(label: str) -> None:
    model_name, field_name = label.split(".")
    model = next(model for model in _models() if model.__name__ == model_name)
    limit = _limit(model.model_fields[field_name])
    for column in COLUMNS[label]:
        if column == PSEUDONYMISED:
            assert min(_length(PostRow.author) or 0, _length(ReportRow.reporter) or 0) >= LONGEST_PSEUDONYM
            continue
        length = _length(column)
        assert length is None or (limit is not None and length >= limit), f"{label}: {column} holds {length}, API {limit}"


def test_headers_and_path_ids_fit() -> None:
    for limit, columns in HEADERS_AND_PATHS:
        for column in columns:
            assert (_length(column) or limit) >= limit, column
