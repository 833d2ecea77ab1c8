from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import ratelimit

        # allauth's rate limits survive a cache outage (accounts/ratelimit.py).
        ratelimit.install()
