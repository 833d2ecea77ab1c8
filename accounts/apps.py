from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import ratelimit

        # allauth's rate limits survive a cache outage (accounts/ratelimit.py).
        ratelimit.install()

        from . import schema  # noqa: F401  (registers the token's OpenAPI description)
