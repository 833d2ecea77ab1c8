"""Tokens made before hashing keep working: each clear DRF token becomes an ApiToken with
the token's SHA-256 digest, and the clear copy is deleted."""

import hashlib

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac


def hash_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in Token.objects.select_related("user"):
        ApiToken.objects.create(
            user=token.user,
            name="made before tokens were hashed",
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
            # accounts.tokens.password_check, as it was when this migration was written.
            password_check=salted_hmac(
                "lectern.accounts.api-token",
                token.user.password,
                secret=settings.SECRET_KEY,
                algorithm="sha256",
            ).hexdigest(),
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(hash_tokens, migrations.RunPython.noop)]
