"""Every JSON body the API validates comes from the one base (hub/routes/bodies.py), so a
route added later refuses unknown fields too, and no yes/no field of it coerces "no"."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, Strict
from quart_schema import DataSource
from quart_schema.validation import QUART_SCHEMA_REQUEST_ATTRIBUTE

from hub.app import Hub
from hub.routes.bodies import Body


def _request_model(view: Any) -> tuple[type[Any], DataSource] | None:
    while view is not None:
        found = getattr(view, QUART_SCHEMA_REQUEST_ATTRIBUTE, None)
        if found is not None:
            return found  # type: ignore[no-any-return]
        view = getattr(view, "__wrapped__", None)
    return None


def _json_bodies(hub: Hub) -> dict[str, type[Any]]:
    out = {}
    for rule in hub.quart.url_map.iter_rules():
        found = _request_model(hub.quart.view_functions[rule.endpoint])
        if found is not None and found[1] == DataSource.JSON:
            out[f"{sorted(rule.methods or ())} {rule.rule}"] = found[0]
    return out


def _loose_flags(annotation: Any, strict: bool = False) -> bool:
    """Whether `annotation` holds a `bool` pydantic would coerce ("no" → False)."""
    if annotation is bool:
        return not strict
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extras = typing.get_args(annotation)
        marked = strict or any(isinstance(e, Strict) and e.strict for e in extras)
        return _loose_flags(inner, marked)
    return any(_loose_flags(arg, strict) for arg in typing.get_args(annotation))


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """The model and every model its fields hold (nested bodies: a rule's recipients)."""
    seen = {model}
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                if annotation not in seen:
                    seen |= _models(annotation)
            else:
                stack.extend(typing.get_args(annotation))
    return seen


async def test_every_json_body_refuses_unknown_fields_from_the_one_base(hub: Hub) -> None:
    bodies = _json_bodies(hub)
    assert len(bodies) >= 40
    for route, model in bodies.items():
        for part in _models(model):
            assert issubclass(part, Body), f"{route}: {part.__name__} is not a Body"
            assert part.model_config.get("extra") == "forbid", f"{route}: {part.__name__}"


async def test_no_yes_no_field_of_a_body_is_coerced(hub: Hub) -> None:
    for route, model in _json_bodies(hub).items():
        for part in _models(model):
            for name, field in part.model_fields.items():
                strict = any(isinstance(m, Strict) and m.strict for m in field.metadata)
                loose = _loose_flags(field.annotation, strict)
                assert not loose, f"{route}: {part.__name__}.{name} is a bare bool"
