"""The custom user model, in place since the first migration."""

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from app.core import domain


class User(AbstractBaseUser):
    """An account; `password` holds a Django password hash (Argon2id)."""

    class Role(models.TextChoices):
        USER = domain.Role.USER.value, "User"
        ADMIN = domain.Role.ADMIN.value, "Admin"

    email = models.CharField(max_length=254)
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Sign-in is by token; there is no session whose last login to record.
    last_login = None

    objects = BaseUserManager["User"]()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        db_table = "users"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(Lower("email"), name="uq_users_email_lower"),
            models.CheckConstraint(
                condition=models.Q(role__in=["user", "admin"]), name="ck_users_role"
            ),
        ]
        # Listing is newest first, ties by id.
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["created_at", "id"], name="ix_users_created_at_id")
        ]

    def __str__(self) -> str:
        return self.email

    def to_domain(self) -> domain.User:
        return domain.User(
            id=self.pk,
            email=self.email,
            name=self.name,
            role=domain.Role(self.role),
            created_at=domain.as_utc(self.created_at),
            updated_at=domain.as_utc(self.updated_at),
        )
