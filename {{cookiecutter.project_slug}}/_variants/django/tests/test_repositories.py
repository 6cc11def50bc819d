"""The Django ORM repositories against the real database."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from app.authn.models import RefreshToken as RefreshTokenRow
from app.core.domain import RefreshToken, Role, utc_now
from app.core.errors import Conflict
from app.core.listing import ListQuery
from app.repositories.refresh_tokens import DjangoRefreshTokenRepository
from app.repositories.users import DjangoUserRepository

users = DjangoUserRepository()
tokens = DjangoRefreshTokenRepository()


def _add(email: str, name: str = "Someone") -> int:
    return users.add(email=email, name=name, role=Role.USER, password_hash="x").id


def _token(user_id: int, token_hash: str, family: str = "family") -> RefreshToken:
    return RefreshToken(
        token_hash=token_hash,
        user_id=user_id,
        family_id=family,
        expires_at=utc_now() + timedelta(days=7),
        used_at=None,
        revoked_at=None,
    )


def test_users_come_back_as_domain_values_in_utc() -> None:
    user_id = _add("ann@example.com", "Ann")

    user = users.get(user_id)

    assert user is not None
    assert (user.email, user.name, user.role) == ("ann@example.com", "Ann", Role.USER)
    assert user.created_at.utcoffset() == timedelta(0)


def test_credentials_are_found_whatever_the_case() -> None:
    _add("ann@example.com")

    credentials = users.get_credentials("ANN@EXAMPLE.COM")

    assert credentials is not None
    assert credentials.password_hash == "x"
    assert users.get_credentials("nobody@example.com") is None


def test_a_second_user_with_the_same_email_is_a_conflict() -> None:
    _add("ann@example.com")

    with pytest.raises(Conflict):
        _add("Ann@Example.com")


def test_an_update_to_a_taken_email_is_a_conflict() -> None:
    _add("ann@example.com")
    other = _add("bob@example.com")

    with pytest.raises(Conflict):
        users.update(other, {"email": "ann@example.com"})


def test_update_and_delete_of_no_one_report_it() -> None:
    assert users.update(999, {"name": "Nobody"}) is None
    assert users.delete(999) is False
    assert users.get(999) is None


def test_deleting_a_user_deletes_its_refresh_tokens() -> None:
    user_id = _add("ann@example.com")
    assert tokens.add(_token(user_id, "h1"), "x") is True

    assert users.delete(user_id) is True

    assert tokens.get("h1") is None
    assert not RefreshTokenRow.objects.exists()


def test_listing_escapes_like_wildcards() -> None:
    _add("a_b@example.com", "Under")
    _add("axb@example.com", "Cross")

    page = users.list(ListQuery(search="a_b"))

    assert [user.email for user in page.items] == ["a_b@example.com"]
    assert page.total == 1


def test_a_nul_finds_no_one_and_never_reaches_the_database() -> None:
    _add("ann@example.com", "Ann")

    assert users.get_credentials("ann\x00@example.com") is None
    assert users.get_credentials("\x00") is None
    nothing = users.list(ListQuery(search="a\x00"))
    assert (nothing.items, nothing.total) == ([], 0)


def test_a_page_beyond_a_bigint_offset_is_empty() -> None:
    _add("ann@example.com", "Ann")

    page = users.list(ListQuery(page=2**62, limit=100))

    assert (page.items, page.total) == ([], 1)


def test_a_token_is_rotated_once_only() -> None:
    user_id = _add("ann@example.com")
    assert tokens.add(_token(user_id, "h1"), "x") is True
    now = utc_now()

    assert tokens.rotate("h1", _token(user_id, "h2"), now) is True
    assert tokens.rotate("h1", _token(user_id, "h3"), now) is False

    stored = tokens.get("h1")
    assert stored is not None
    assert stored.used_at is not None
    assert tokens.get("h2") is not None
    assert tokens.get("h3") is None


def test_revoking_a_family_revokes_all_its_tokens_and_no_others() -> None:
    user_id = _add("ann@example.com")
    for token_hash, family in (("h1", "f1"), ("h2", "f1"), ("h3", "f2")):
        assert tokens.add(_token(user_id, token_hash, family), "x") is True

    tokens.revoke_family(user_id, "f1", utc_now())

    assert _revoked("h1", "h2", "h3") == {"h1", "h2"}
    assert tokens.rotate("h1", _token(user_id, "h4", "f1"), utc_now()) is False


def _revoked(*token_hashes: str) -> set[str]:
    found = [tokens.get(token_hash) for token_hash in token_hashes]
    return {token.token_hash for token in found if token and token.revoked_at}


def test_no_token_is_stored_once_the_password_changed_or_the_user_went() -> None:
    user_id = _add("ann@example.com")

    assert tokens.add(_token(user_id, "stale"), "a hash it had before") is False
    assert users.upgrade_password_hash(user_id, "a hash it had before", "x2") is False
    assert users.upgrade_password_hash(user_id, "x", "x2") is True
    assert tokens.add(_token(user_id, "first"), "x2") is True
    assert users.delete(user_id) is True
    assert tokens.add(_token(user_id, "orphan"), "x2") is False
    assert tokens.rotate("first", _token(user_id, "second"), utc_now()) is False
    assert not RefreshTokenRow.objects.exists()


def test_a_new_password_revokes_every_family_of_its_user_only() -> None:
    user_id = _add("ann@example.com")
    other = _add("bob@example.com")
    for owner, family in ((user_id, "f1"), (user_id, "f2"), (other, "f3")):
        assert tokens.add(_token(owner, family, family), "x") is True

    renamed = users.update(user_id, {"name": "Renamed"})
    assert _revoked("f1", "f2", "f3") == set()
    changed = users.update(user_id, {"password_hash": "new"})

    assert _revoked("f1", "f2", "f3") == {"f1", "f2"}
    assert renamed is not None
    assert changed == users.get(user_id)
    assert changed is not None
    assert changed.name == "Renamed"


def test_the_migrations_create_what_the_models_describe() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
