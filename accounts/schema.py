"""How the OpenAPI schema describes personal API tokens (imported by ``AccountsConfig``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from POST /api/v1/auth/token/ "
            "(Authorization: Bearer <token>; the keyword Token works too).",
        }
