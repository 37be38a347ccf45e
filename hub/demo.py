"""The demo business: Hotel Mirador, with reception, restaurant and pool bar, seeded once;
and the installation's operator, the SOS Cliente quality club, which looks after it.

The hotel is set up (its first-run checklist complete: settings saved, posters printed, a
routing rule), so its manager lands on the console as a hotel in service would.

Everything the hotel itself wrote is in Spanish, its language (tenant `language="es"`): the
names of its places, departments, kiosk, rule and canned answers' titles, and its staff
(who read the staff pages in Spanish). What guests wrote stays in theirs (some SOS are in
English), and so do the replies and the canned answers' texts meant for English guests.
The point codes and the logins are the README's and the tests': never translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hub.accounts.branding import set_logo
from hub.accounts.first_run import PRINTED_AT, SETTINGS_SAVED_AT, mark_printed, mark_settings_saved
from hub.accounts.kiosks import create_kiosk
from hub.accounts.model import slugify
from hub.accounts.passwords import hash_password, hash_token
from hub.accounts.services import create_point, create_tenant, create_user
from hub.answers.service import CannedAnswers
from hub.installation.operators import create_operator
from hub.ports import Doc, Event, Store
from hub.tickets.rulebook import RuleBook
from hub.tickets.services import Actor, TicketService

SLUG = "hotel-mirador"
LOGO = Path(__file__).parent / "demo_logo.png"  # 96 px, drawn for the demo
# The demo kiosk's device token: public on purpose, so every start can print its link.
KIOSK_TOKEN = "hotel-mirador-lobby-kiosk-demo"
PASSWORD = "demo-pass-2026"
STAFF = (
    ("manager", "direccion@hotel-mirador.example", "Lucía Ferreiro", "es"),
    ("agent", "recepcion@hotel-mirador.example", "Marcos Vidal", "es"),
    ("agent", "bar@hotel-mirador.example", "Irene Castaño", "es"),
)
# The seed's quality club ("Club Calidad SOS Cliente", run by Social Media Operating Systems):
# the installation's operator, who opens businesses and watches their reply times.
OPERATOR = ("calidad@soscliente.example", "Club Calidad SOS Cliente")
RULE = {
    "name": "Bar de la piscina y terraza: aviso al bar",
    "active": True,
    "match": {
        "points": ["pool-bar", "bar-terrace"],
        "establishments": [],
        "departments": [],
        "categories": [],
        "words": [],
        "languages": [],
    },
    "schedule": None,
    "recipients": [
        {
            "channel": "email",
            "to": "bar@hotel-mirador.example",
            "name": "Irene Castaño",
            "language": "es",
        }
    ],
    "escalation": [],
}
POINTS = (
    ("reception-desk", "Mostrador de recepción", "Recepción", "poster"),
    ("lobby-kiosk", "Vestíbulo", "Recepción", "poster"),
    ("restaurant-tables", "Mesas del restaurante", "Restaurante", "table"),
    ("restaurant-receipt", "Cuenta del restaurante", "Restaurante", "receipt"),
    ("bar-terrace", "Terraza del bar", "Bar de la piscina", "coaster"),
    ("pool-bar", "Bar de la piscina", "Bar de la piscina", "coaster"),
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


# Canned answers in Spanish and English (for English guests), one per kind of message the
# triage tells apart; every title is Spanish, as the hotel's staff read them.
ANSWERS = (
    (
        "Disculpa por una queja",
        "complaint_service",
        "es",
        "Hola {customer_name}, soy {agent_name}, de {business}. Siento mucho las molestias en "
        "{place}. Ya lo estamos revisando y te escribimos aquí en cuanto esté resuelto. "
        "¿Necesitas algo más? Un saludo.",
    ),
    (
        "Disculpa por una queja (en inglés)",
        "complaint_service",
        "en",
        "Hello {customer_name}, I'm {agent_name} from {business}. I'm sorry about the trouble at "
        "{place}. We are looking into it now and will write to you here as soon as it is fixed. "
        "Is there anything else we can do? Kind regards.",
    ),
    (
        "Hoja de reclamaciones",
        "claim_new",
        "es",
        "Hola {customer_name}, soy {agent_name}, de {business}. Lamentamos lo ocurrido. Para "
        "presentar una reclamación formal, pide en recepción la hoja de reclamaciones oficial: es "
        "tu derecho y la responderemos en el plazo legal. También puedes presentarla ante la "
        "oficina de consumo de tu comunidad. Tu número de referencia es el {number}. ¿Te ha "
        "quedado claro? Un saludo.",
    ),
    (
        "Hoja de reclamaciones (en inglés)",
        "claim_new",
        "en",
        "Hello {customer_name}, I'm {agent_name} from {business}. We are sorry about what "
        "happened. To file a formal claim, ask at reception for the official complaint form (hoja "
        "de reclamaciones): it is your right, and we will answer it within the legal time limit. "
        "You can also file it with the regional consumer office. Your reference number is "
        "{number}. Is that clear? Kind regards.",
    ),
    (
        "Reclamación ya presentada",
        "claim_repeated",
        "es",
        "Hola {customer_name}, soy {agent_name}. Gracias por tu paciencia. Trasladamos tu "
        "insistencia al departamento de atención al cliente, que es quien resuelve tu reclamación; "
        "si tienes el número de la hoja o fotos, déjalos aquí para adjuntarlos. Un saludo.",
    ),
    (
        "Desacuerdo con la resolución",
        "claim_disputed",
        "es",
        "Hola {customer_name}, soy {agent_name}. Entiendo que no estés de acuerdo. La resolución "
        "se ajusta a las condiciones del servicio; si sigues sin estar conforme, puedes acudir a "
        "la oficina de consumo o a la vía que consideres. Un saludo.",
    ),
    (
        "Respuesta a una duda",
        "question_basic",
        "es",
        "Hola {customer_name}, soy {agent_name}, de {business}. Gracias por preguntar. "
        "¿Te ha quedado claro? ¡Que tengas un buen día!",
    ),
    (
        "Respuesta a una duda (en inglés)",
        "question_basic",
        "en",
        "Hello {customer_name}, I'm {agent_name} from {business}. Thanks for asking. "
        "Does that help? Have a nice day!",
    ),
    (
        "Gracias por la sugerencia",
        "suggestion",
        "es",
        "Hola {customer_name}, soy {agent_name}. Muchas gracias por la idea: la hemos pasado al "
        "equipo, que la estudiará para la próxima temporada. Un saludo.",
    ),
    (
        "Gracias por la sugerencia (en inglés)",
        "suggestion",
        "en",
        "Hello {customer_name}, I'm {agent_name}. Thank you for the idea: we have passed it to the "
        "team, who will look at it for next season. Kind regards.",
    ),
    (
        "Gracias por tus palabras",
        "praise",
        "es",
        "Hola {customer_name}, soy {agent_name}. ¡Muchas gracias! Se lo diremos al equipo de "
        "{place}. ¡Disfruta de tu estancia!",
    ),
    (
        "Gracias por tus palabras (en inglés)",
        "praise",
        "en",
        "Hello {customer_name}, I'm {agent_name}. Thank you so much! We will tell the team at "
        "{place}. Enjoy your stay!",
    ),
    (
        "Aviso: mensajes ofensivos",
        "complaint_unrelated",
        "es",
        "Hola, soy {agent_name}, de {business}. Queremos ayudarte, pero aquí no se permiten "
        "mensajes ofensivos ni insultos. Si nos cuentas con respeto qué ha pasado, lo atenderemos "
        "encantados. Un saludo.",
    ),
    (
        "Aviso: mensajes ofensivos (en inglés)",
        "complaint_unrelated",
        "en",
        "Hello, I'm {agent_name} from {business}. We want to help, but offensive or insulting "
        "messages are not allowed here. If you tell us respectfully what happened, we will gladly "
        "look into it. Kind regards.",
    ),
    (
        "Cierre con encuesta",
        None,
        "es",
        "¿Se ha solucionado? Gracias por confiar en {business}: al cerrar tu mensaje #{number} "
        "podrás valorar nuestra atención en una encuesta muy breve. Un saludo.",
    ),
    (
        "Cierre con encuesta (en inglés)",
        None,
        "en",
        "Did this solve it? Thank you for choosing {business}: when we close your message "
        "#{number} you can rate our help in a very short survey. Kind regards.",
    ),
)


class _Quiet:
    """Seeding happens before the server runs: nobody is connected to hear it."""

    async def publish(self, events: Sequence[Event]) -> None:
        return None


async def seed_demo(store: Store) -> list[tuple[str, str]]:
    """Create Hotel Mirador unless present; return the (role, e-mail) logins."""
    logins = [(role, email) for role, email, _name, _lang in STAFF]
    found = await store.lookup("tenants", "slug", SLUG)
    if found is not None:
        await _finish_setup(store, found)  # a demo file seeded before the checklist existed
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
            "name": "Pantalla del vestíbulo",
            "point": "lobby-kiosk",
            "departments": list(dict.fromkeys(slugify(dept) for _c, _l, dept, _k in POINTS)),
            "welcome": "Bienvenido al Hotel Mirador",
        },
        token=KIOSK_TOKEN,
    )
    answers = CannedAnswers(store)
    for title, category, language, text in ANSWERS:
        fields = {"title": title, "category": category, "language": language, "text": text}
        await answers.create(tenant["id"], fields, users[0])
    service = TicketService(store, _Quiet())
    tickets = []
    for i, (code, text, lang, anonymous) in enumerate(TICKETS):
        contact = (
            None
            if anonymous
            else {"name": f"Huésped {i + 1}", "email": f"huesped{i + 1}@example.com"}
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
        tid,
        tickets[0]["id"],
        agent,
        "Hola, soy Marcos, de recepción. Gracias por avisar: bajamos el volumen de la terraza "
        "ahora mismo. ¿Se nota ya la diferencia? Un saludo.",
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
    await _finish_setup(store, tenant)
    return logins


async def _finish_setup(store: Store, tenant: Doc) -> None:
    """What the first-run checklist asks that seeding does not do by itself (idempotent)."""
    tid = str(tenant["id"])
    if not tenant.get(SETTINGS_SAVED_AT):
        await mark_settings_saved(store, tid)
    if not await store.count(tid, "points", {PRINTED_AT: {"ne": None}}):
        await mark_printed(store, tid, [code for code, *_rest in POINTS])
    if not await store.count(tid, "rules"):
        await RuleBook(store).create(tid, RULE)


async def seed_operator(store: Store) -> tuple[str, str]:
    """Create the quality club's operator account unless present; its (role, e-mail) login."""
    email, name = OPERATOR
    if await store.lookup("operators", "email", email) is None:
        await create_operator(
            store, email=email, password=PASSWORD, name=name, hash_password=hash_password
        )
    return ("operator", email)
