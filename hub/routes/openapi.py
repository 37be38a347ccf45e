"""What /openapi.json describes: the JSON API (not the pages), each operation with the answers
it gives, errors included, and the credentials it takes.

quart-schema builds the document from the routes' own decorators (`validate_request`,
`validate_querystring`, `document_response`, `security_scheme`); `HubOpenAPI` adds only what
they cannot say, in one place:
- which routes are API: those under /api/ and /healthz (the pages and forms are for browsers);
- the errors every operation can answer, in the contract's shape (`Error`), derived from what
  the operation takes: a body or query (400), credentials (401, 403), a path parameter (404);
- a success answer for an operation that declares no model: the status and media type its
  `responds` decorator gives (204, a CSV or PDF file), else 200 with a JSON object;
- the errors only some operations give (409, 422, 423, 429, a 404 about a field of the body):
  their `fails` decorator lists them, each with what it means there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from quart_schema import OpenAPIProvider, QuartSchema
from quart_schema.extension import SecuritySchemeInput
from quart_schema.openapi import APIKeySecurityScheme, HttpSecurityScheme
from werkzeug.routing import Rule

T = TypeVar("T")
API_PATHS = re.compile(r"^/(api/|healthz$)")
_RESPONDS = "_hub_responds"
_FAILS = "_hub_fails"

# Who may call: quart-schema's `security_scheme` marks each route (hub.routes.auth and
# hub.routes.operator_auth do it for theirs); a route without a mark needs no credentials.
# (quart-schema 0.25 takes no `description` on a scheme: INFO says what each one is.)
SECURITY_SCHEMES: dict[str, SecuritySchemeInput] = {
    "bearer": HttpSecurityScheme(scheme="bearer"),
    "session": APIKeySecurityScheme(name="QUART_AUTH", in_="cookie"),
    "device": HttpSecurityScheme(scheme="bearer"),
    "operator": APIKeySecurityScheme(name="SOS_OPERATOR", in_="cookie"),
}
INFO = {
    "title": "SOS hub",
    "version": "1",
    "description": (
        "Credentials: `bearer` is a staff user's api_token (`Authorization: Bearer …`); "
        "`session` the staff cookie from POST /api/v1/auth/login; `device` a paired kiosk's "
        "device token; `operator` the installation operator's cookie. With a cookie, writes "
        "also send the header `X-Requested-With: sos-hub`.\n\n"
        'Errors: JSON `{"error": {"code", "message"}}` (the `Error` schema); a message about '
        "one field starts with its name (`text: must not be empty`). 429 and 503 carry "
        "Retry-After."
    ),
}
Requirement = list[dict[str, list[str]]]
STAFF: Requirement = [{"bearer": []}, {"session": []}]
OPERATOR: Requirement = [{"operator": []}]
DEVICE: Requirement = [{"device": []}]


class ErrorDetail(BaseModel):
    code: str  # invalid, unauthorized, forbidden, not_found, conflict, too_large, …
    message: str  # "field: what is wrong" when a field is to blame


class Error(BaseModel):
    """The contract's error body, with every 4xx and 5xx."""

    error: ErrorDetail


_ERRORS = {
    400: "Invalid input: the message names the field first (`text: must not be empty`).",
    401: "No credentials, or they are wrong, expired or switched off.",
    403: "Not allowed: a role too low, or a cookie write without X-Requested-With.",
    404: "No such object (also: another business's).",
    413: "The body is too large (64 KB; a photo 8 MB).",
}


def responds(status: int = 200, media: str | tuple[str, ...] = "") -> Callable[[T], T]:
    """Document a success answer quart-schema's `document_response` cannot (it takes a model
    and means JSON): 204 is an answer without a body; `media` a file (text/csv,
    application/pdf, image/*); neither, a JSON object."""

    def mark(func: T) -> T:
        setattr(func, _RESPONDS, (status, media))
        return func

    return mark


RATE_LIMITED = (
    "Too many requests from this network, device or place; Retry-After says when to try again."
)


def fails(statuses: Mapping[int, str]) -> Callable[[T], T]:
    """Document errors this operation gives beyond those its inputs imply (`_errors`): a
    404 about a field of the body, 409, 422, 423, 429 — each with what it means here."""

    def mark(func: T) -> T:
        setattr(func, _FAILS, dict(statuses))
        return func

    return mark


# A 429 and a 503 say when to try again.
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def _declared_errors(func: Any) -> dict[str, Any]:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    answers: dict[str, Any] = {}
    for status, description in sorted(getattr(func, _FAILS, {}).items()):
        answers[str(status)] = {"description": description, "content": error}
        if status in (429, 503):
            answers[str(status)]["headers"] = _RETRY_AFTER
    return answers


def _success(func: Any) -> dict[str, Any]:
    status, media = getattr(func, _RESPONDS, (200, ""))
    answer: dict[str, Any] = {"description": "Done" if status == 204 else "OK"}
    if media:
        file = {"schema": {"type": "string", "format": "binary"}}
        answer["content"] = {m: file for m in ((media,) if isinstance(media, str) else media)}
    elif status != 204:
        answer["content"] = {"application/json": {"schema": {"type": "object"}}}
    return {str(status): answer}


def _errors(operation: dict[str, Any]) -> dict[str, Any]:
    """The error answers this operation can give, from what it takes."""
    params = {p["in"] for p in operation.get("parameters", [])}
    statuses = []
    if "requestBody" in operation or params - {"path"}:
        statuses.append(400)
    if operation.get("security"):
        statuses += [401, 403]
    if "path" in params:
        statuses.append(404)
    if "requestBody" in operation:
        statuses.append(413)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    answers = {str(s): {"description": _ERRORS[s], "content": error} for s in sorted(statuses)}
    # 409, 423, 429 (with Retry-After), 503 … where they apply: always this shape
    answers["default"] = {"description": "Any other error.", "content": error}
    return answers


class HubOpenAPI(OpenAPIProvider):
    """quart-schema's document, limited to the API and completed with errors and answers."""

    def generate_rules(self) -> Iterable[Rule]:
        return (rule for rule in super().generate_rules() if API_PATHS.match(rule.rule))

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        func = self._app.view_functions[rule.endpoint]
        for operations in paths.values():
            for method, operation in operations.items():
                # quart-schema shares one `responses` dict among a rule's methods and keys it
                # by int, which JSON's sorted keys cannot mix with "default"
                responses = {str(status): r for status, r in operation["responses"].items()}
                if not any(status.startswith("2") for status in responses):
                    responses.update(_success(func))
                errors = {**_errors(operation), **_declared_errors(func)}
                operations[method] = {**operation, "responses": {**responses, **errors}}
        components["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(components["Error"].pop("$defs", {}))
        return paths, components

    def operation_id(self, method: str, path: str, func: Callable[..., Any]) -> str | None:
        """`get_ticket` rather than quart-schema's `get_get_ticket`; a route named without a
        verb keeps its method in front (`post_reply`)."""
        generated = super().operation_id(method, path, func) or ""
        verb = f"{method.lower()}_"
        doubled = verb + verb
        return generated[len(verb) :] if generated.startswith(doubled) else generated


class HubSchema(QuartSchema):
    """quart-schema, serving HubOpenAPI's document."""

    openapi_provider_class = HubOpenAPI
