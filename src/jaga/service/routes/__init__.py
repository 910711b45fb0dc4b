"""The service's routes, one module per resource; each is a plain `APIRouter` that reads what it
needs through `jaga.service.deps`. `create_app` includes `ROUTERS` in this order."""

from jaga.service.routes import appeals, claims, moderation, operations, privacy, reports, reviews, webhooks

ROUTERS = (operations.router, moderation.router, claims.router, reviews.router, appeals.router, reports.router,
           privacy.router, webhooks.router)
