from django.apps import AppConfig


class AuthnConfig(AppConfig):
    name = "app.authn"
    label = "authn"
    verbose_name = "Authentication"
