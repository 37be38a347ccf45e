"""The one base of every JSON request body, and of the query strings' models.

A body field the model does not know is a 400 naming it (`stauts: Extra inputs are not
permitted`): dropped silently, a misspelled field answered 200 and changed nothing. A yes/no
field takes JSON `true` or `false` only (`Flag`): pydantic would read "no" as false, and a
`{"active": "no"}` switched a colleague off. Query strings stay lenient (a cache-buster or a
tracking tag in a link is no mistake of the caller's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError
from quart import request
from quart_schema import RequestSchemaValidationError

# A JSON true or false, nothing coerced ("yes", 1, "false" are 400 naming the field).
Flag = StrictBool


class Body(BaseModel):
    """A JSON request body: unknown fields refused, every text bounded (each model narrows)."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class QueryArgs(BaseModel):
    """A query string: parameters the model does not know are ignored."""

    model_config = ConfigDict(extra="ignore", str_max_length=10_000)


class NoFields(Body):
    """The body of a write that takes none (`{}`, or nothing at all)."""


P = ParamSpec("P")
R = TypeVar("R")


def no_body(func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """A write that takes no body (acknowledge, rotate a token) answers 400 naming a field
    sent to it anyway, as any other write does: the caller meant something it will not do."""

    @wraps(func)
    async def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        await refuse_fields()
        return await func(*args, **kwargs)

    return checked


async def refuse_fields() -> None:
    """400 naming the first field of a JSON body (the pages' `api()` sends `{}`; a JSON
    null, or no body at all, is fine too)."""
    if not request.is_json or not (await request.get_data()).strip():
        return
    data: Any = await request.get_json()
    if data is None:
        return
    try:
        NoFields.model_validate(data)
    except ValidationError as error:
        raise RequestSchemaValidationError(error) from None
