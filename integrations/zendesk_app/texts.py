"""What Zendesk shows admins about the app, per locale (translations/<locale>.json in the zip)."""

from __future__ import annotations

APP_NAME = "Trustpilot Reviews by TrustDesk"

TRANSLATIONS: dict[str, dict[str, str]] = {
    "en": {
        "name": APP_NAME,
        "short_description": "Turn Trustpilot reviews into Zendesk tickets and answer them from Zendesk.",
        "long_description": (
            "Connects your Trustpilot Business account to Zendesk through your TrustDesk service. "
            "Each review of the domains you pick becomes a ticket; an edit to a review is added to its ticket; "
            "a public reply from an agent is published on Trustpilot as your company's reply."
        ),
        "installation_instructions": (
            "After installing the app: 1. In Admin Center, open Channels > Trustpilot (in some accounts: "
            "Apps and integrations > Channel apps > Trustpilot) and click Add account. "
            "2. Sign in with your Trustpilot Business credentials and click Allow. "
            "3. Pick the domains whose reviews should become tickets, then finish."
        ),
    },
    "fr": {
        "name": APP_NAME,
        "short_description": "Transformez les avis Trustpilot en tickets Zendesk et répondez-y depuis Zendesk.",
        "long_description": (
            "Relie votre compte Trustpilot Business à Zendesk par votre service TrustDesk. "
            "Chaque avis des domaines choisis devient un ticket ; la modification d'un avis s'ajoute à son ticket ; "
            "la réponse publique d'un agent est publiée sur Trustpilot comme réponse de votre entreprise."
        ),
        "installation_instructions": (
            "Une fois l'application installée : 1. Dans le Centre d'administration, ouvrez Canaux > Trustpilot "
            "(dans certains comptes : Applications et intégrations > Applications de canal > Trustpilot) "
            "et cliquez sur Ajouter un compte. "
            "2. Connectez-vous avec vos identifiants Trustpilot Business et cliquez sur Autoriser. "
            "3. Choisissez les domaines dont les avis doivent devenir des tickets, puis terminez."
        ),
    },
}
