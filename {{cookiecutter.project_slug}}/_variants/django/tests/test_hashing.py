"""Passwords: Argon2id through Django's hashers, legacy hashes upgraded at login."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

from app.adapters.hashing import DjangoHasher
from app.authn.models import RefreshToken
from app.core.domain import Credentials
from app.core.errors import Unauthorized
from app.repositories.users import DjangoUserRepository
from app.users.models import User
from app.wiring import services
from tests.conftest import ADMIN, PASSWORD, Account


def test_passwords_are_hashed_with_argon2id() -> None:
    hasher = DjangoHasher()

    password_hash = hasher.hash(PASSWORD)

    assert password_hash.startswith("argon2$argon2id$")
    assert hasher.verify(password_hash, PASSWORD)
    assert not hasher.verify(password_hash, "another password")
    assert not hasher.needs_rehash(password_hash)


def test_an_unknown_or_legacy_hash_needs_rehashing() -> None:
    hasher = DjangoHasher()

    assert hasher.needs_rehash(make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert hasher.needs_rehash("not a hash")
    assert not hasher.verify("not a hash", PASSWORD)


@pytest.mark.parametrize("password", ["", PASSWORD, "password", "123456789012", "None"])
def test_the_dummy_verification_never_succeeds(password: str) -> None:
    hasher = DjangoHasher()

    hasher.verify_dummy(password)

    # As costly as a real verification, and of a secret nobody knows.
    assert hasher._dummy_hash.startswith("argon2$argon2id$")
    assert not hasher.verify(hasher._dummy_hash, password)


def test_login_upgrades_a_legacy_hash(alice: Account) -> None:
    User.objects.filter(pk=alice.id).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )

    services().auth.login("alice@example.com", PASSWORD)

    assert User.objects.get(pk=alice.id).password.startswith("argon2$argon2id$")


def test_login_upgrades_a_hash_of_other_argon2_parameters(alice: Account) -> None:
    djangos_own = Argon2PasswordHasher()
    old_hash = djangos_own.encode(PASSWORD, djangos_own.salt())
    User.objects.filter(pk=alice.id).update(password=old_hash)

    services().auth.login("alice@example.com", PASSWORD)

    new_hash = User.objects.get(pk=alice.id).password
    assert new_hash != old_hash and new_hash.startswith("argon2$argon2id$")
    assert not DjangoHasher().needs_rehash(new_hash)


@pytest.mark.parametrize("hash_is_outdated", [False, True])
def test_a_login_whose_password_changes_before_its_family_is_stored_is_refused(
    alice: Account, monkeypatch: pytest.MonkeyPatch, hash_is_outdated: bool
) -> None:
    """A password change lands between the login's read of the credentials and its new
    family (and, for an outdated hash, its upgrade): no family of the old password is born."""
    if hash_is_outdated:
        outdated = make_password(PASSWORD, hasher="pbkdf2_sha256")
        User.objects.filter(pk=alice.id).update(password=outdated)
    read_credentials = DjangoUserRepository.get_credentials

    def read_then_change_password(self: DjangoUserRepository, email: str) -> Credentials | None:
        credentials = read_credentials(self, email)
        services().users.update(alice.id, {"password": "a brand new secret"}, ADMIN)
        return credentials

    monkeypatch.setattr(DjangoUserRepository, "get_credentials", read_then_change_password)
    families_before = set(RefreshToken.objects.values_list("family_id", flat=True))

    with pytest.raises(Unauthorized):
        services().auth.login("alice@example.com", PASSWORD)

    assert set(RefreshToken.objects.values_list("family_id", flat=True)) == families_before
