"""The HTTP service (`jaga serve`): FastAPI over the same Moderator and store as the CLI."""

from jaga.service.app import create_app

__all__ = ["create_app"]
