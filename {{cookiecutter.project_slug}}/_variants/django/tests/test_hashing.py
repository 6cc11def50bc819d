"""Passwords: Argon2id through Django's hashers, legacy hashes upgraded at login."""

from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

from app.adapters.hashing import DjangoHasher
from app.users.models import User
from app.wiring import services
from tests.conftest import PASSWORD, Account


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


def test_the_dummy_verification_never_succeeds() -> None:
    hasher = DjangoHasher()

    hasher.verify_dummy(PASSWORD)

    assert hasher._dummy_hash.startswith("argon2$")


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
