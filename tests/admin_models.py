"""The admin pages every role test walks through, as "<app_label>_<model_name>"."""

ADMIN_MODELS = [
    "reviews_trustpilotaccount",
    "reviews_domain",
    "reviews_review",
    "reviews_reply",
    "reviews_syncrun",
    "integrations_zendeskaccount",
    "integrations_channelinstance",
    "integrations_reviewticketlink",
    "integrations_accessrestriction",
    "integrations_channelevent",
]
