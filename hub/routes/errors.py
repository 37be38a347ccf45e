"""One error format: JSON `{"error": {"code", "message"}}` on the API, readable pages elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from quart import Quart, Response, jsonify, render_template, request
from quart.json.provider import JSONProvider
from quart_auth import Unauthorized as AuthUnauthorized
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import BadRequest, HTTPException

from hub.attachments.photos import MAX_PHOTO_BYTES
from hub.errors import HubError, StoreUnavailable, Suspended, field_first
from hub.http.ratelimit import RateLimited
from hub.http.uploads import is_upload
from hub.i18n import gettext as _

log = logging.getLogger(__name__)

_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal",
    503: "store_unavailable",
}


def not_stored_message() -> str:
    """What a person is told when the store could not take their message (pages, forms)."""
    return _("Your message was not sent: we could not save it just now. Please try again.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/openapi.json")


def error_response(status: int, code: str, message: str, **headers: str) -> Response:
    """The contract's JSON error body with `status`."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    for key, value in headers.items():
        response.headers[key.replace("_", "-")] = value
    return response


async def _page(status: int, message: str) -> tuple[str, int]:
    return await render_template("error.html", status=status, message=message), status


NOT_AN_OBJECT = "body: the request body must be a JSON object"
NOT_JSON = "body: send a JSON object (Content-Type: application/json)"


def describe_validation(error: Any, *, json_sent: bool = True) -> str:
    """'text: String should have at most 2000 characters' from a pydantic error.

    A body that is not an object names no model class (pydantic says "a valid dictionary or
    instance of SosIn"); one that was not sent as JSON at all (`json_sent` false: a form, or
    text/plain) is told which Content-Type to send, since its bytes were never read.
    """
    if isinstance(error, ValidationError):
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            if item.get("type") == "model_type":
                message = "must be a JSON object"
                if where == "body":
                    return NOT_AN_OBJECT if json_sent else NOT_JSON
            parts.append(f"{where}: {message}")
        return "; ".join(parts)
    if isinstance(error, TypeError):
        return NOT_AN_OBJECT if json_sent else NOT_JSON
    return str(error)


TOO_DEEP = "body: the request body is nested too deeply"


class DepthSafeJSON(JSONProvider):
    """The app's JSON provider, with a body nested too deeply to parse answered as a 400.

    `[[[…]]]` 20,000 deep fits in 64 KB and makes the parser raise RecursionError, which
    Quart does not treat as bad JSON (it catches only ValueError): it was a 500.
    """

    def __init__(self, app: Quart, inner: JSONProvider) -> None:
        super().__init__(app)
        self.inner = inner

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self.inner.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return self.inner.loads(s, **kwargs)
        except RecursionError:
            raise BadRequest(TOO_DEEP) from None

    def response(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.response(*args, **kwargs)


def _html(html: str, status: int) -> Response:
    return Response(html, status=status, content_type="text/html; charset=utf-8")


async def _hub_error_page(error: HubError) -> Response:
    """A HubError as a page: the rate-limit page, the not-stored page, or the error page."""
    if isinstance(error, RateLimited):
        html = await render_template("rate_limited.html", retry_after=error.retry_after)
        return _html(html, 429)
    if isinstance(error, StoreUnavailable):
        return _html(*await _page(503, not_stored_message()))
    if isinstance(error, Suspended):  # a staff page of a suspended business
        return _html(*await _page(423, suspended_message()))
    return _html(*await _page(error.status, error.message))


def suspended_message() -> str:
    """What a suspended business's staff read on its pages, in their language."""
    return _(
        "This business is suspended, so its staff cannot log in for now. Nothing has been "
        "deleted: everything is back as soon as it is resumed."
    )


async def hub_error(error: HubError) -> Response:
    """A HubError as JSON naming its field (API) or as a page, with Retry-After when due."""
    if isinstance(error, StoreUnavailable):
        log.warning(
            "store unavailable on %s %s: %r", request.method, request.path, error.__cause__ or error
        )
    if _wants_json():
        message = field_first(error.message, error.field) if error.field else error.message
        response = error_response(error.status, error.code, message)
        if error.details:  # more for the client to act on (a login's choice of business)
            response = jsonify({"error": {"code": error.code, "message": message, **error.details}})
            response.status_code = error.status
    else:
        response = await _hub_error_page(error)
    if isinstance(error, RateLimited | StoreUnavailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _http_message(error: HTTPException, status: int, code: str) -> str:
    """What a framework error says, in the contract's words for the common cases."""
    message = error.description or code
    if (
        status == 400
        and message != TOO_DEEP
        and request.path.startswith("/api/")
        and request.is_json
    ):
        return "body: the request body is not valid JSON"
    if status == 413:
        if is_upload(request.method, request.path):
            return f"file: a photo may be at most {MAX_PHOTO_BYTES // 1048576} MB"
        return "body: the request body is larger than 64 KB"
    return message


async def http_error(error: HTTPException) -> Any:
    """A framework error (404, 405, 413 …) as JSON or as a page, with the headers HTTP wants."""
    status = error.code or 500
    code = _CODES.get(status, "error")
    message = _http_message(error, status, code)
    headers = {"Retry_After": "60"} if status == 429 else {}
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:  # HTTP requires Allow on a 405
        headers["Allow"] = ", ".join(sorted(valid_methods))
    if _wants_json():
        return error_response(status, code, message, **headers)
    html, status = await _page(status, message)
    return html, status, headers


def register(app: Quart) -> None:
    """Install the handlers on the app."""
    app.json = DepthSafeJSON(app, app.json)  # after quart-schema installed its provider
    app.register_error_handler(HubError, hub_error)
    app.register_error_handler(HTTPException, http_error)

    @app.errorhandler(RequestSchemaValidationError)
    async def _schema(error: RequestSchemaValidationError) -> Any:
        # quart-schema validates the body of a request not sent as JSON as if it were null
        described = describe_validation(error.validation_error, json_sent=request.is_json)
        return error_response(400, "invalid", described)

    @app.errorhandler(UnicodeDecodeError)
    async def _not_utf8(_error: UnicodeDecodeError) -> Any:
        # Quart decodes a JSON body before its own error handling: bad bytes were a 500
        if _wants_json():
            return error_response(400, "invalid", "body: the request body is not valid UTF-8")
        return await _page(400, "The request was not valid UTF-8")

    @app.errorhandler(AuthUnauthorized)
    async def _unauth(_error: Exception) -> Any:
        if _wants_json():
            return error_response(401, "unauthorized", "log in or send a Bearer API token")
        from quart import redirect, url_for

        return redirect(url_for("staff.login_page", next=request.path))

    @app.errorhandler(Exception)
    async def _crash(error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error_response(500, "internal", "something went wrong; nothing was lost")
        return await _page(500, "Something went wrong")
