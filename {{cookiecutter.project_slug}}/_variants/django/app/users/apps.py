from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "app.users"
    label = "users"
    verbose_name = "Users"
