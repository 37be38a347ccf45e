"""The staff API: admins invite and manage colleagues; everyone edits their own name and language.

`POST /api/v1/users` and `POST /api/v1/users/<id>/password-reset` answer a one-time
`set_password_url` (shown this once, so `Cache-Control: no-store`); `DELETE` switches a
user off, as `PATCH {"active": false}` does. Every lookup is within the caller's business:
another business's user is 404.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from quart import Blueprint, Response, after_this_request, g
from quart_schema import validate_request, validate_response
from werkzeug.wrappers import Response as WerkzeugResponse

from hub.accounts.model import Role, public_user
from hub.accounts.team import Issued
from hub.container import hub
from hub.ports import Doc
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.bodies import Body, Flag, no_body
from hub.routes.openapi import fails

bp = Blueprint("users", __name__, url_prefix="/api/v1")
SHOWN_ONCE = {"Cache-Control": "no-store"}
YEAR = 365 * 24 * 3600


class UserOut(BaseModel):
    """A staff user as JSON: never a password or token hash."""

    id: str
    email: str
    name: str | None
    role: str
    active: bool
    language: str | None = None
    created_at: str | None = None
    password_set: bool = True  # False until an invited (or reset) user chooses a password
    shortcuts: bool = True  # the console's one-key shortcuts (turned off on /account)


class UserList(BaseModel):
    items: list[UserOut]


class LinkOut(UserOut):
    """A user with their one-time set-password link, shown this once."""

    set_password_url: str
    expires_at: str
    emailed: bool  # the mail server took the link; otherwise the admin passes it on


class UserIn(Body):
    """An invitation: the e-mail they log in with, their role, optionally name and language."""

    email: str = Field(min_length=3, max_length=320)
    role: str = Field(min_length=1, max_length=32)
    name: str | None = Field(default=None, max_length=120)
    language: str | None = Field(default=None, max_length=8)


class UserPatch(Body):
    """An admin's change to a colleague: name, role, language, or `active` to switch them off/on."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    role: str | None = Field(default=None, min_length=1, max_length=32)
    language: str | None = Field(default=None, max_length=8)
    active: Flag | None = None


class MePatch(Body):
    """One's own display name and language (the pages' language and one's e-mails'), and
    whether the console's one-key shortcuts are on (off for speech input and stray keys)."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    language: str | None = Field(default=None, max_length=8)
    shortcuts: Flag | None = None


def user_json(doc: Doc) -> UserOut:
    return UserOut(**public_user(doc), password_set=doc.get("password_hash") is not None)


def _link(issued: Issued) -> LinkOut:
    return LinkOut(
        **user_json(issued.user).model_dump(),
        set_password_url=issued.url,
        expires_at=issued.expires_at,
        emailed=issued.emailed,
    )


@bp.get("/users")
@staff_required()
@validate_response(UserList)
async def users() -> Any:
    """The business's staff (every colleague may read it: the console assigns tickets)."""
    return UserList(items=[user_json(d) for d in await hub().accounts.users(tenant_id())])


@bp.post("/users")
@fails({409: "email: it already has an account."})
@staff_required(Role.admin)
@validate_request(UserIn)
@validate_response(LinkOut, 201)
async def invite(data: UserIn) -> Any:
    """Invite a colleague: they get a one-time link to choose their password (by e-mail too,
    when the hub has a mail server). A role above the admin's own is 403, a taken e-mail 409."""
    issued = await hub().team.invite(
        staff(), email=data.email, role=data.role, name=data.name, language=data.language
    )
    return _link(issued), 201, SHOWN_ONCE


@bp.patch("/users/<user_id>")
@staff_required(Role.admin)
@validate_request(UserPatch)
@validate_response(UserOut)
async def update_user(user_id: str, data: UserPatch) -> Any:
    """Change a colleague's name, language or role, or switch them off (`{"active": false}`):
    their sessions, API token and open consoles end at once."""
    changes = data.model_dump(exclude_unset=True)
    return user_json(await hub().team.change(staff(), user_id, changes))


@bp.delete("/users/<user_id>")
@staff_required(Role.admin)
@validate_response(UserOut)
async def deactivate_user(user_id: str) -> Any:
    """Switch a colleague off (the record stays, their tickets keep their name)."""
    return user_json(await hub().team.change(staff(), user_id, {"active": False}))


@bp.post("/users/<user_id>/password-reset")
@staff_required(Role.admin)
@no_body
@validate_response(LinkOut)
async def reset_password(user_id: str) -> Any:
    """A fresh one-time link for a colleague; their old password and sessions end now."""
    return _link(await hub().team.reset_password(staff(), user_id)), 200, SHOWN_ONCE


@bp.patch("/me")
@staff_required()
@validate_request(MePatch)
@validate_response(UserOut)
async def update_me(data: MePatch) -> Any:
    """Change one's own display name or language; this browser's pages follow the language."""
    user = await hub().team.update_me(staff(), data.model_dump(exclude_unset=True))
    g.staff = user
    if data.language is not None:
        language = str(user.get("language"))

        @after_this_request
        async def _remember(response: Response | WerkzeugResponse) -> Response | WerkzeugResponse:
            # the pages' own language choice (hub.i18n.choose_language) reads this cookie
            response.set_cookie("lang", language, max_age=YEAR, samesite="Lax", path="/")
            return response

    return user_json(user)
