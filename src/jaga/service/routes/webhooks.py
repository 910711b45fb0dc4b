"""The organisation's webhook: where its events go."""

from typing import Annotated

from fastapi import APIRouter, Depends

from jaga.outbound import UnsafeUrl
from jaga.service.deps import ADMINS, ServicesDep, role_in
from jaga.service.errors import ApiError
from jaga.service.schemas import WebhookOut, WebhookRequest
from jaga.store import ApiKey

router = APIRouter()


@router.put("/v1/webhook", response_model=WebhookOut, tags=["webhooks"])
def set_webhook(request: WebhookRequest, key: Annotated[ApiKey, Depends(role_in(ADMINS))],
                running: ServicesDep) -> WebhookOut:
    """Where the organisation's events go (decision.created, decision.reviewed, appeal.decided).
    The webhook serves every jurisdiction: only an organisation-wide admin key may set it."""
    if key.jurisdictions:
        raise ApiError(403, "forbidden", "the webhook serves the whole organisation: use an admin key "
                       "for every jurisdiction")
    scoped = running.store.scoped(key.org)
    try:
        secret = scoped.set_webhook(str(request.url), running.webhook_policy)
    except UnsafeUrl as refusal:
        raise ApiError(422, "webhook_url_refused", str(refusal)) from None
    scoped.audit(key.id, "webhook.set", str(request.url)[:256], {})
    return WebhookOut(url=str(request.url), secret=secret)
