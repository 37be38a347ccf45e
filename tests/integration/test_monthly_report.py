"""The monthly PDF report: pages, figures read back from the PDF's text, languages, errors."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub
from hub.ports import Doc
from tests.helpers import Seeded
from tests.kit import new_sos

# Five November SOS at acme (Madrid: UTC+1): three complaints at the lift, two questions.
NOVEMBER = (
    # created, minutes to the first answer, category, survey (rating, nps, comment)
    ("2026-11-02T08:30:00.000+00:00", 10, "complaint_service", ("bad", 2, "Ascensor roto")),
    ("2026-11-02T09:30:00.000+00:00", 50, "complaint_service", None),
    ("2026-11-10T18:00:00.000+00:00", 3000, "complaint", ("fair", 6, None)),
    ("2026-11-20T11:00:00.000+00:00", 5, "question_basic", ("very_good", 10, "Muy amables")),
    ("2026-11-30T22:59:00.000+00:00", None, "question", None),  # 23:59 local: still November
)
TEXTS = (
    "Ascensor roto otra vez",
    "Ascensor roto",
    "El ascensor hace ruido",
    "Horario piscina",
    "Toallas",
)


def _plus(start: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(start) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds")


async def fill_november(client: Any, hub: Hub, seeded: Seeded) -> list[str]:
    ids = []
    for text, (created, answered, category, survey) in zip(TEXTS, NOVEMBER, strict=True):
        ticket_id = (await new_sos(client, seeded, text))["id"]
        fields: Doc = {"created_at": created, "category": category}
        if answered is not None:
            fields["first_response_at"] = _plus(created, answered)
        if survey is not None:
            rating, nps, comment = survey
            fields |= {
                "status": "resolved",
                "survey": {
                    "rating": rating,
                    "nps": nps,
                    "comment": comment,
                    "answered_at": _plus(created, 600),
                },
            }
        await hub.store.update(seeded.tenant["id"], "tickets", ticket_id, fields)
        ids.append(ticket_id)
    # December 1st, 00:30 local: not November's
    late = (await new_sos(client, seeded, "Diciembre"))["id"]
    await hub.store.update(
        seeded.tenant["id"], "tickets", late, {"created_at": "2026-11-30T23:30:00.000+00:00"}
    )
    return ids


async def pdf_text(pdf: bytes, tmp_path: Path) -> tuple[str, int]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    if os.environ.get("REPORT_SAMPLE_DIR"):  # to look at it: pdftoppm the copy
        (Path(os.environ["REPORT_SAMPLE_DIR"]) / f"report-{len(pdf)}.pdf").write_bytes(pdf)
    text = await asyncio.to_thread(
        subprocess.run, ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    )
    info = await asyncio.to_thread(
        subprocess.run, ["pdfinfo", str(path)], capture_output=True, check=True, text=True
    )
    pages = next(
        int(line.split()[-1]) for line in info.stdout.splitlines() if line.startswith("Pages:")
    )
    return text.stdout.decode(), pages


async def report(client: Any, who: Seeded, **params: str) -> bytes:
    r = await client.get(
        "/api/v1/reports/monthly.pdf", query_string=params, headers=who.auth("manager")
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert r.headers["Content-Type"] == "application/pdf"
    data: bytes = await r.get_data()
    assert data.startswith(b"%PDF")
    return data


async def test_the_report_carries_the_months_figures(
    client: Any, hub: Hub, acme: Seeded, globex: Seeded, tmp_path: Path
) -> None:
    await fill_november(client, hub, acme)
    await new_sos(client, globex, "Globex secreto sauna")
    text, pages = await pdf_text(await report(client, acme, month="2026-11", lang="en"), tmp_path)
    assert pages == 2
    flat = " ".join(text.split())
    assert "November 2026" in flat and "Whole business" in flat
    assert "5 SOS received" in flat or "5\nSOS received" in text or "5 " in flat
    # 3 answered within the 48-hour promise out of 5: 60 %; median of 5, 10, 50, 3000 min
    assert "60 %" in flat
    assert "Complaint 3" in flat and "Question 2" in flat
    # satisfaction: 3 answers, 1 very good → 33 %; NPS: 1 promoter, 2 detractors of 3 → -33
    assert "33 %" in flat and "-33" in flat
    assert "ascensor" in flat and "roto" in flat and "sauna" not in flat


async def test_the_report_speaks_the_managers_language(
    client: Any, hub: Hub, acme: Seeded, tmp_path: Path
) -> None:
    await fill_november(client, hub, acme)
    text, _pages = await pdf_text(await report(client, acme, month="2026-11", lang="es"), tmp_path)
    flat = " ".join(text.split())
    assert "noviembre" in flat.lower() and "Todo el negocio" in flat


@pytest.mark.parametrize(
    ("lang", "month", "whole"),
    [("gl", "novembro", "Todo o negocio"), ("ca", "novembre", "Tot el negoci")],
)
async def test_a_manager_who_chose_galician_or_catalan_gets_the_report_in_it(
    client: Any, hub: Hub, acme: Seeded, tmp_path: Path, lang: str, month: str, whole: str
) -> None:
    """No ?lang= and no browser language: the manager's own, chosen on /account."""
    await fill_november(client, hub, acme)
    r = await client.patch("/api/v1/me", json={"language": lang}, headers=acme.auth("manager"))
    assert r.status_code == 200, await r.get_data(as_text=True)
    text, _pages = await pdf_text(await report(client, acme, month="2026-11"), tmp_path)
    flat = " ".join(text.split())
    assert month in flat.lower() and whole in flat


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "nov"}, "month"),
        ({"establishment": "nowhere"}, "establishment"),
    ],
)
async def test_bad_months_and_places_name_the_field(
    client: Any, acme: Seeded, params: dict[str, str], field: str
) -> None:
    r = await client.get(
        "/api/v1/reports/monthly.pdf", query_string=params, headers=acme.auth("manager")
    )
    assert r.status_code == 400
    assert field in (await r.get_json())["error"]["message"]


async def test_two_restaurants_bars_are_told_apart_in_the_report_and_the_stats(
    client: Any, hub: Hub, acme: Seeded, tmp_path: Path
) -> None:
    """A group with a "Barra" in each restaurant: the report's and the API's rows by point
    name the restaurant; one restaurant's own report needs not say it on every row."""
    from hub.accounts.services import create_point

    for code, place in (("playa-barra", "Sabores Playa"), ("centro-barra", "Sabores Centro")):
        await create_point(hub.store, acme.tenant, code=code, label="Barra", establishment=place)
    for point in ("playa-barra", "playa-barra", "centro-barra"):
        sent = await new_sos(client, acme, "Falta hielo en la barra", point=point)
        await hub.store.update(
            acme.tenant["id"], "tickets", sent["id"], {"created_at": NOVEMBER[0][0]}
        )
    pdf = await report(client, acme, month="2026-11", lang="es")
    text, _pages = await pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    assert "Barra · Sabores Playa 2" in flat and "Barra · Sabores Centro 1" in flat

    r = await client.get(
        "/api/v1/stats",
        query_string={
            "by": "point",
            "from": "2026-11-01T00:00:00+01:00",
            "to": "2026-12-01T00:00:00+01:00",
        },
        headers=acme.auth("manager"),
    )
    labels = {g["key"]: g["label"] for g in (await r.get_json())["groups"]}
    assert labels["playa-barra"] == "Barra · Sabores Playa"
    assert labels["centro-barra"] == "Barra · Sabores Centro"

    one, _ = await pdf_text(
        await report(client, acme, month="2026-11", lang="es", establishment="sabores-playa"),
        tmp_path,
    )
    assert "Barra 2" in " ".join(one.split()) and "Sabores Centro" not in one
