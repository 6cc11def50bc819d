"""The /api/v1 resources."""

from django.urls import path, register_converter

from app.api import auth, users
from app.api.converters import PositiveIdConverter

register_converter(PositiveIdConverter, "id")

urlpatterns = [
    path("users", users.UsersView.as_view(), name="users"),
    path("users/me", users.MeView.as_view(), name="users-me"),
    path("users/<id:user_id>", users.UserView.as_view(), name="user"),
    path("auth/login", auth.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", auth.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", auth.LogoutView.as_view(), name="auth-logout"),
]
