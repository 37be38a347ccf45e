"""/openapi.json is a valid OpenAPI 3.1 document an integrator can generate a client from:
only the API, unique operation ids, every answer documented (errors in the contract's shape),
credentials where they are needed, and real answers that match it."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from hub.tickets.model import CUSTOMER_STATUS
from tests.helpers import Seeded

JSON = {"Content-Type": "application/json"}
METHODS = ("get", "post", "put", "patch", "delete")
STAFF: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


async def _spec(client: Any) -> dict[str, Any]:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    spec: dict[str, Any] = await r.get_json()
    return spec


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


async def test_the_served_document_is_valid_openapi_3_1(client: Any) -> None:
    spec = await _spec(client)
    errors = [e.message[:200] for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert not errors, f"{len(errors)} errors, first: {errors[:5]}"


async def test_every_operation_has_its_own_id_a_success_and_the_error_shape(client: Any) -> None:
    spec = await _spec(client)
    operations = _operations(spec)
    assert len(operations) > 90
    ids = Counter(op["operationId"] for _, _, op in operations)
    assert not [i for i, n in ids.items() if n > 1], ids.most_common(5)
    assert ids["get_ticket"] == ids["patch_ticket"] == ids["post_submit_sos"] == 1
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, op in operations:
        label = f"{method.upper()} {path}"
        assert [s for s in op["responses"] if s.startswith("2")], label
        assert op["responses"]["default"]["content"]["application/json"]["schema"] == error
        if "{" in path:
            assert "404" in op["responses"], label
        if "requestBody" in op:
            assert "400" in op["responses"], label
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}
    ops = spec["paths"]
    assert "201" in ops["/api/v1/tickets/{ticket_id}/notes"]["post"]["responses"]
    assert "204" in ops["/api/v1/rules/{rule_id}"]["delete"]["responses"]
    assert "content" not in ops["/api/v1/rules/{rule_id}"]["delete"]["responses"]["204"]
    csv = ops["/api/v1/export/tickets.csv"]["get"]["responses"]["200"]["content"]
    assert list(csv) == ["text/csv"]
    ticket = ops["/api/v1/tickets/{ticket_id}"]["get"]["responses"]["200"]["content"]
    assert {"status", "messages", "notes"} <= set(ticket["application/json"]["schema"]["required"])


async def test_pages_are_left_out_of_the_api_document(client: Any) -> None:
    paths = set((await _spec(client))["paths"])
    assert {"/api/v1/thread/{token}", "/api/v1/sos", "/healthz"} <= paths
    for page in ("/t/{token}", "/logout", "/login", "/q/{code}", "/console", "/operator/login"):
        assert page not in paths
    assert all(re.match(r"^/(api/|healthz$)", p) for p in paths), sorted(paths)


async def test_public_operations_need_no_credentials_and_staff_ones_do(client: Any) -> None:
    spec = await _spec(client)
    assert "security" not in spec  # nothing is "optionally anonymous" as a whole
    ops = spec["paths"]
    assert {"bearer", "session", "device", "operator"} <= set(spec["components"]["securitySchemes"])
    for public in (
        ops["/api/v1/sos"]["post"],
        ops["/api/v1/thread/{token}"]["get"],
        ops["/api/v1/auth/login"]["post"],
        ops["/healthz"]["get"],
    ):
        assert not public.get("security"), public["operationId"]
        assert "401" not in public["responses"]
    assert ops["/api/v1/tickets"]["get"]["security"] == STAFF
    assert ops["/api/v1/tickets"]["get"]["responses"]["401"]
    assert ops["/api/v1/users"]["get"]["security"] == STAFF
    assert ops["/api/v1/kiosk/sos"]["post"]["security"] == [{"device": []}]
    assert ops["/api/v1/operator/tenants"]["get"]["security"] == [{"operator": []}]
    for _, _, op in _operations(spec):
        assert {} not in op.get("security", []), op["operationId"]


async def test_the_list_endpoints_document_their_query(client: Any) -> None:
    ops = (await _spec(client))["paths"]

    def names(path: str) -> set[str]:
        return {p["name"] for p in ops[path]["get"]["parameters"] if p["in"] == "query"}

    assert names("/api/v1/events") >= {"since"}
    assert names("/api/v1/deliveries") >= {"ticket", "status", "kind", "limit"}
    assert names("/api/v1/tickets") >= {"status", "point", "q", "limit", "cursor"}


async def test_real_answers_match_what_the_document_says(client: Any, acme: Seeded) -> None:
    spec = await _spec(client)
    components = spec["components"]

    def template(path: str) -> str:
        for candidate in spec["paths"]:
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", candidate), path):
                return str(candidate)
        raise AssertionError(f"{path} is not documented")

    async def check(method: str, path: str, **kwargs: Any) -> Any:
        r = await getattr(client, method)(path, **kwargs)
        answers = spec["paths"][template(path.split("?")[0])][method]["responses"]
        documented = answers.get(str(r.status_code)) or answers["default"]
        assert str(r.status_code) in answers or r.status_code >= 400, (path, r.status_code)
        body = await r.get_data(as_text=True)
        media = documented.get("content", {})
        if r.status_code == 204:
            assert not body and not media
            return None
        if "application/json" in media:
            schema = {**media["application/json"]["schema"], "components": components}
            errors = list(OAS31Validator(schema).iter_errors(json.loads(body)))
            assert not errors, (method, path, r.status_code, [e.message for e in errors[:3]])
        return json.loads(body) if r.content_type.startswith("application/json") else None

    agent, manager = acme.auth(), {**JSON, **acme.auth("manager")}
    sos = {"point": acme.point["code"], "text": "The music is too loud", "anonymous": True}
    made = await check("post", "/api/v1/sos", json=sos)
    ticket = f"/api/v1/tickets/{made['id']}"
    await check("post", f"{ticket}/replies", json={"text": "On it"}, headers=agent)
    await check("post", f"{ticket}/notes", json={"text": "Table 4"}, headers=agent)
    await check("patch", ticket, json={"status": "open"}, headers=agent)
    await check("get", f"/api/v1/thread/{made['thread_url'].rsplit('/', 1)[1]}")
    await check("get", ticket, headers=agent)
    await check("get", ticket, headers=manager)
    await check("get", "/api/v1/tickets", headers=agent)
    await check("get", "/api/v1/events?since=0", headers=agent)
    await check("get", f"/api/v1/deliveries?ticket={made['id']}", headers=manager)
    rule = await check("post", "/api/v1/rules", json={"name": "Bar"}, headers=manager)
    await check("delete", f"/api/v1/rules/{rule['id']}", headers=manager)
    await check("get", "/api/v1/export/tickets.csv", headers=manager)
    # errors: their shape is the documented Error
    await check("get", "/api/v1/tickets/nope", headers=agent)
    await check("get", "/api/v1/tickets")
    await check("patch", ticket, json={"status": "bogus"}, headers=agent)
    await check("post", "/api/v1/sos", data=b"text", headers={"Content-Type": "text/plain"})


async def test_the_errors_an_operation_really_gives_are_documented(client: Any) -> None:
    """Beyond what its inputs imply (400, 401, 403, 404 for a path, 413): an unknown point
    is 404, a taken code or e-mail 409, an illegal move 409, a reused kiosk key 422, a
    flood 429 with Retry-After."""
    ops = (await _spec(client))["paths"]
    expected = {
        ("post", "/api/v1/sos"): {"404", "429"},
        ("patch", "/api/v1/tickets/{ticket_id}"): {"409"},
        ("post", "/api/v1/points"): {"409"},
        ("post", "/api/v1/users"): {"409"},
        ("post", "/api/v1/kiosk/sos"): {"422", "429"},
    }
    for (method, path), statuses in expected.items():
        answers = ops[path][method]["responses"]
        assert statuses <= set(answers), (method, path, sorted(answers))
        for status in statuses:
            schema = answers[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)
    assert "Retry-After" in ops["/api/v1/sos"]["post"]["responses"]["429"]["headers"]
    assert "point" in ops["/api/v1/sos"]["post"]["responses"]["404"]["description"]


async def test_the_thread_documents_what_the_customer_sees(client: Any) -> None:
    spec = await _spec(client)
    thread = spec["paths"]["/api/v1/thread/{token}"]["get"]
    assert "simplified status" in thread["description"]
    shape = thread["responses"]["200"]["content"]["application/json"]["schema"]
    schemas = spec["components"]["schemas"]
    assert {"ticket", "messages"} <= set(shape["required"])
    ticket = schemas[shape["properties"]["ticket"]["$ref"].rsplit("/", 1)[1]]
    # every status the thread really answers, and only those
    assert set(ticket["properties"]["status"]["enum"]) == set(CUSTOMER_STATUS.values())
    message = schemas[shape["properties"]["messages"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(message["properties"]["from"]["enum"]) == {"customer", "staff"}
