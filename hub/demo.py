"""The demo business: Hotel Mirador, with reception, restaurant and pool bar, seeded once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hub.accounts.branding import set_logo
from hub.accounts.kiosks import create_kiosk
from hub.accounts.passwords import hash_password, hash_token
from hub.accounts.services import create_point, create_tenant, create_user
from hub.ports import Doc, Event, Store
from hub.tickets.services import Actor, TicketService

SLUG = "hotel-mirador"
LOGO = Path(__file__).parent / "demo_logo.png"  # 96 px, drawn for the demo
# The demo kiosk's device token: public on purpose, so every start can print its link.
KIOSK_TOKEN = "hotel-mirador-lobby-kiosk-demo"
PASSWORD = "demo-pass-2026"
STAFF = (
    ("manager", "direccion@hotel-mirador.example", "Lucía Ferreiro", "es"),
    ("agent", "recepcion@hotel-mirador.example", "Marcos Vidal", "es"),
    ("agent", "bar@hotel-mirador.example", "Emma Clarke", "en"),
)
POINTS = (
    ("reception-desk", "Reception desk", "Reception", "poster"),
    ("lobby-kiosk", "Lobby", "Reception", "poster"),
    ("restaurant-tables", "Restaurant tables", "Restaurant", "table"),
    ("restaurant-receipt", "Restaurant receipt", "Restaurant", "receipt"),
    ("bar-terrace", "Bar terrace", "Pool bar", "coaster"),
    ("pool-bar", "Pool bar", "Pool bar", "coaster"),
)
TICKETS = (
    ("bar-terrace", "La música de la terraza está demasiado alta, no podemos hablar.", "es", False),
    ("pool-bar", "Could we get more sun loungers in the shade? All taken by 10am.", "en", False),
    ("restaurant-tables", "El pescado estaba frío y tardaron 40 minutos en servirlo.", "es", True),
    (
        "reception-desk",
        "The check-in was quick and the receptionist was lovely, thank you!",
        "en",
        True,
    ),
    (
        "restaurant-receipt",
        "Me han cobrado dos cafés de más en la cuenta de la mesa 12.",
        "es",
        False,
    ),
    ("lobby-kiosk", "El wifi de la habitación 214 no funciona desde ayer.", "es", True),
    ("pool-bar", "There is broken glass near the children's pool.", "en", True),
    ("reception-desk", "¿Se puede dejar la maleta después del check-out?", "es", True),
    (
        "bar-terrace",
        "The mojitos are great, but the waiter ignored us for 20 minutes.",
        "en",
        False,
    ),
    ("restaurant-tables", "Sugerencia: opciones sin gluten en el desayuno.", "es", True),
    ("lobby-kiosk", "Air conditioning in room 305 is very noisy at night.", "en", False),
    ("restaurant-tables", "¡Felicidades al chef! La mejor paella del viaje.", "es", True),
)


class _Quiet:
    """Seeding happens before the server runs: nobody is connected to hear it."""

    async def publish(self, events: Sequence[Event]) -> None:
        return None


async def seed_demo(store: Store) -> list[tuple[str, str]]:
    """Create Hotel Mirador unless present; return the (role, e-mail) logins."""
    logins = [(role, email) for role, email, _name, _lang in STAFF]
    if await store.lookup("tenants", "slug", SLUG) is not None:
        return logins
    tenant = await create_tenant(
        store, slug=SLUG, name="Hotel Mirador", language="es", timezone="Europe/Madrid"
    )
    tenant = await set_logo(store, tenant, LOGO.read_bytes())
    users: list[Doc] = []
    for role, email, name, lang in STAFF:
        user, _token = await create_user(
            store,
            tenant,
            email=email,
            password=PASSWORD,
            role=role,
            name=name,
            language=lang,
            hash_password=hash_password,
            hash_token=hash_token,
        )
        users.append(user)
    points: dict[str, Doc] = {}
    for code, label, dept, kind in POINTS:
        points[code] = await create_point(
            store,
            tenant,
            code=code,
            label=label,
            department=dept,
            establishment="Hotel Mirador",
            kind=kind,
        )
    await create_kiosk(
        store,
        tenant,
        {
            "name": "Lobby kiosk",
            "point": "lobby-kiosk",
            "departments": ["reception", "restaurant", "pool-bar"],
            "welcome": "Bienvenido al Hotel Mirador · Welcome to Hotel Mirador",
        },
        token=KIOSK_TOKEN,
    )
    service = TicketService(store, _Quiet())
    tickets = []
    for i, (code, text, lang, anonymous) in enumerate(TICKETS):
        contact = (
            None if anonymous else {"name": f"Guest {i + 1}", "email": f"guest{i + 1}@example.com"}
        )
        tickets.append(
            await service.submit_sos(
                tenant, points[code], text=text, anonymous=anonymous, contact=contact, language=lang
            )
        )
    manager, agent, agent_en = (Actor.staff(u) for u in users)
    tid = tenant["id"]
    await service.change(
        tid, tickets[0]["id"], agent, status="acknowledged", category="complaint_service"
    )
    await service.reply(
        tid, tickets[0]["id"], agent, "Gracias por avisar, bajamos el volumen ahora mismo."
    )
    await service.change(tid, tickets[2]["id"], manager, category="claim_new")
    await service.add_note(
        tid, tickets[2]["id"], manager, "Hablar con cocina: tiempos del turno de noche."
    )
    await service.reply(
        tid, tickets[3]["id"], agent_en, "Thank you so much! We'll pass it on to Ana."
    )
    await service.change(tid, tickets[3]["id"], agent_en, status="resolved", category="praise")
    await service.change(
        tid, tickets[6]["id"], agent_en, status="acknowledged", category="complaint_service"
    )
    await service.reply(
        tid, tickets[7]["id"], agent, "Sí, la consigna está junto a recepción, sin coste."
    )
    await service.change(tid, tickets[7]["id"], agent, status="resolved", category="question_basic")
    await service.change(tid, tickets[7]["id"], agent, status="closed")
    return logins
