"""The OpenAPI document as a contract a client can be generated from: one HTTP bearer security
scheme on the operations that take an API key (instead of an `authorization` header parameter on
each), and one `Error` schema for every error answer, as the service really sends it
(`{"error": {"code", "message", "details"}}`, `jaga.service.errors`), where FastAPI would document a
`{detail}` body it never sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["error"], "title": "Error",
    "properties": {"error": {
        "type": "object", "required": ["code", "message"], "title": "ErrorBody",
        "description": "What went wrong: a stable code, a message, and details when there is more to say.",
        "properties": {
            "code": {"type": "string", "description": "Stable, for clients to branch on: invalid_request, "
                     "unauthenticated, forbidden, not_found, rate_limited, moderation_timeout, ..."},
            "message": {"type": "string", "description": "For a person to read."},
            "details": {"description": "What exactly was wrong, when there is more to say (e.g. each invalid field)."},
        }}},
    "examples": [{"error": {"code": "invalid_request", "message": "the request does not match the schema",
                            "details": [{"field": "body.post.text", "problem": "Field required"}]}}],
}
ERRORS = {
    "400": "The request cannot be carried out in the case's state (e.g. the case is not open).",
    "401": "No API key, or an unknown or revoked one.",
    "403": "The key's role or jurisdictions do not allow this.",
    "422": "The request does not match the schema (each problem in `details`).",
    "404": "No such resource (or not one this key may see).",
    "408": "The request body did not arrive in time.",
    "409": "In conflict with the resource's state (the case is claimed by another reviewer, the Idempotency-Key "
           "was used for another request or its first request is still running).",
    "413": "The request body is over the size limit.",
    "429": "Too many requests for this key: see Retry-After and the RateLimit-* headers.",
    "500": "An unexpected error (logged by the service, never leaked).",
    "503": "Not now (the service is busy or still starting): see Retry-After.",
}
KEYED_ERRORS = ("401", "403", "422", "429", "500")
"""What every operation that takes an API key may answer; a route adds the others it can send
(`responses={404: ...}`), and an operation with a path parameter always may answer 404."""
PUBLIC_ERRORS = ("422", "500")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the error statuses a route sends beyond the usual ones (`KEYED_ERRORS`);
    `apply_contract` gives each the `Error` body."""
    return {code: {"description": ERRORS[str(code)]} for code in codes}


def install_contract(app: FastAPI) -> None:
    """Replace `app.openapi` with the contract version (built once, then cached like FastAPI's)."""

    def contract() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            app.openapi_schema = apply_contract(document)
        return app.openapi_schema

    app.openapi = contract  # type: ignore[method-assign]


def apply_contract(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "description": "An API key from `jaga keys create`: jaga_<id>_<secret>."}
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            keyed = any(p.get("in") == "header" and p.get("name", "").lower() == "authorization" for p in parameters)
            operation["parameters"] = [p for p in parameters
                                       if not (p.get("in") == "header" and p.get("name", "").lower() == "authorization")]
            if not operation["parameters"]:
                del operation["parameters"]
            responses = operation.setdefault("responses", {})
            codes = list(KEYED_ERRORS if keyed else PUBLIC_ERRORS)
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                codes.append("404")
            if "requestBody" in operation:
                codes += ["408", "413"]  # the body's own limits (`jaga.service.middleware`)
            codes += [code for code in responses if code[0] in "45"]  # declared by the route
            for code in dict.fromkeys(codes):
                described = responses.get(code, {}).get("description")
                responses[code] = {"description": described if described and described != "Successful Response"
                                   else ERRORS.get(code, "An error."), "content": reference}
            if keyed:
                operation["security"] = [{"bearer": []}]
    return document
