"""Made-up review content for the sandbox: every star rating, five languages, non-ASCII and literal HTML.

Text is stored exactly as written, tags included: escaping is the consumer's job, and the demo data
exists partly to prove that TrustDesk does it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sandbox.trustpilot.models import BusinessUnit, BusinessUser, Review

LANGUAGES = ("en", "fr", "de", "es", "da")
DEFAULT_LANGUAGE_WEIGHTS: Sequence[tuple[str, int]] = (("en", 60), ("fr", 10), ("de", 10), ("es", 10), ("da", 10))
STAR_WEIGHTS = (12, 8, 10, 25, 45)

# (title, text) per language, for low (1-2), middling (3) and high (4-5) ratings.
PHRASES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "en": {
        "low": [
            ("Parcel never arrived", "Three weeks and still nothing. Support keeps sending the same template."),
            ("Disappointed", "The jacket fell apart after one wash 😞 I expected better."),
        ],
        "mid": [("It's okay", "Delivery was slow but the product is fine. Packaging could use less plastic.")],
        "high": [
            ("Great service", "Fast delivery, lovely packaging 📦 and a handwritten note. Will order again!"),
            ("Exactly as described", "Good quality, fair price, and the café au lait mug survived the post ☕"),
        ],
    },
    "fr": {
        "low": [("Très déçu", "Colis reçu abîmé, et aucune réponse du service client après deux relances.")],
        "mid": [("Correct sans plus", "Produit conforme, mais la livraison a pris presque deux semaines.")],
        "high": [
            ("Très bon service", "Livraison rapide, emballage soigné, je recommande vivement ✨"),
            ("Parfait", "Qualité au rendez-vous et échange de taille très simple. Merci à l'équipe !"),
        ],
    },
    "de": {
        "low": [("Enttäuscht", "Rücksendung dauert über zwei Wochen, und niemand antwortet auf E-Mails.")],
        "mid": [("Geht so", "Größe passt, Qualität ist mittelmäßig. Für den Preis in Ordnung.")],
        "high": [("Schnelle Lieferung", "Bestellung kam am nächsten Tag, freundlicher Kundenservice 👍")],
    },
    "es": {
        "low": [("Muy mal", "El pedido llegó tarde y incompleto. Nadie contesta al teléfono.")],
        "mid": [("Normal", "El producto está bien, pero el envío fue caro para España.")],
        "high": [("¡Muy contento!", "Atención al cliente excelente y envío rapidísimo. ¡Gracias! 🎉")],
    },
    "da": {
        "low": [("Pakken kom aldrig frem", "Jeg har ventet i tre uger. Kundeservice svarer ikke på min mail.")],
        "mid": [("Helt okay", "Fin kvalitet, men leveringen tog længere tid end lovet. Øv.")],
        "high": [("Hurtig levering", "God kvalitet og søde medarbejdere. Rødgrød med fløde til alle! 😊")],
    },
}
HTML_PHRASES = [
    ("<b>Best</b> shop ever", "I <b>love</b> this shop &amp; their <i>tiny</i> parcels."),
    (
        "Testing <script>alert(1)</script>",
        'Does this show up? <script>alert(1)</script> <img src=x onerror="alert(2)">',
    ),
]
REPLIES = {
    "en": "Thank you for your feedback, we have passed it on to the team.",
    "fr": "Merci pour votre avis ! Nous transmettons vos remarques à l'équipe.",
    "de": "Vielen Dank für Ihre Bewertung, wir geben Ihr Feedback weiter.",
    "es": "¡Gracias por su opinión! La compartimos con el equipo.",
    "da": "Tak for din anmeldelse, vi giver den videre til holdet.",
}
NAMES = [
    "Zoë Müller", "Søren Østergaard", "Amélie Durand", "José Núñez", "Ingrid Bäckström", "Tom Baker",
    "Priya Patel", "Chloé Martin", "Jürgen Weiß", "Lærke Holm", "Ana García", "Bobby <b>Tables</b>",
]  # fmt: skip
LOCATIONS = {"en": "London, GB", "fr": "Lyon, FR", "de": "Berlin, DE", "es": "Madrid, ES", "da": "Aarhus, DK"}


def derived_id(*parts: object) -> str:
    """A 24-hex id derived from its inputs: the same seed gives the same ids, different inputs never collide."""
    return hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def build_review(
    rng: random.Random,
    *,
    unit: BusinessUnit,
    review_id: str,
    created_at: datetime,
    now: datetime,
    index: int | None = None,
    languages: Sequence[tuple[str, int]] = DEFAULT_LANGUAGE_WEIGHTS,
    reply_author: BusinessUser | None = None,
) -> Review:
    """One unsaved review. A small `index` forces variety: the first five cover every rating, the next five
    every language, and indexes 10 and 11 (of every 500) carry literal HTML."""
    stars = index + 1 if index is not None and index < 5 else rng.choices(range(1, 6), weights=STAR_WEIGHTS)[0]
    if index is not None and 5 <= index < 10:
        language = LANGUAGES[index - 5]
    else:
        language = rng.choices([code for code, _ in languages], weights=[weight for _, weight in languages])[0]
    if index is not None and index % 500 in (10, 11):
        title, text = HTML_PHRASES[index % 500 - 10]
    else:
        mood = "low" if stars <= 2 else "mid" if stars == 3 else "high"
        title, text = rng.choice(PHRASES[language][mood])
    name = rng.choice(NAMES)
    invited = rng.random() < 0.4
    review = Review(
        id=review_id,
        business_unit=unit,
        stars=stars,
        title=title,
        text=text,
        language=language,
        consumer_id=f"{rng.getrandbits(96):024x}",
        consumer_name=name,
        consumer_location=LOCATIONS[language],
        consumer_review_count=rng.randint(1, 12),
        created_at=created_at,
        reference_id=f"ORDER-{rng.randrange(100_000, 999_999)}" if invited else "",
        referral_email=f"customer{rng.randrange(10_000)}@mail.example" if invited else "",
        is_verified=invited,
    )
    age = now - created_at
    if age > timedelta(minutes=10) and rng.random() < 0.1:
        review.updated_at = _between(rng, created_at, now)
    if reply_author is not None and age > timedelta(minutes=10) and rng.random() < 0.34:
        review.reply_text = REPLIES[language]
        review.reply_created_at = review.reply_updated_at = _between(rng, created_at, now)
        review.reply_author = reply_author
    return review


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    moment = start + (end - start) * rng.uniform(0.1, 0.9)
    return moment.replace(microsecond=0)
