"""Validate the answers before anything is written; a bad one stops the bake."""

import json
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
# The answers as given, before cookiecutter rendered them (it renders extra context and
# --no-input answers as templates); absent when a tool such as cruft renders stored answers.
GIVEN = json.loads(r"""{{ _cookiecutter | default({}) | tojson }}""")

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# Free text lands in TOML, YAML, Markdown and HTML: keep out what would need escaping there.
FORBIDDEN_IN_TEXT = set('{}%<>"\\`$')
# Jinja openers, spelled so that this file, itself rendered by Jinja, holds none.
TEMPLATE_SYNTAX = re.compile(r"[{](?:[{]|%|#)")
FREE_TEXT = ("project_name", "project_slug", "description", "author_name", "author_email")
# (answers that together cannot work, why)
UNSUPPORTED = (
    (
        {"database": "sqlite", "use_docker": "y"},
        "use_docker=y needs database=postgresql: the compose file runs PostgreSQL, "
        "and a SQLite file inside a container is lost with it.",
    ),
    (
        {"use_kubernetes": "y", "use_docker": "n"},
        "use_kubernetes=y needs use_docker=y: the manifests run the image the Dockerfile builds.",
    ),
    (
        {"use_kubernetes": "y", "database": "sqlite"},
        "use_kubernetes=y needs database=postgresql: replicas on several machines share one "
        "database, which a SQLite file cannot be.",
    ),
    (
        {"use_kubernetes": "y", "use_redis": "n"},
        "use_kubernetes=y needs use_redis=y: without Redis each replica would keep its own "
        "rate limits and cache.",
    ),
)


def shown(value: str) -> str:
    """A value for a one-line message: quoted, escaped, and cut if long."""
    return repr(value) if len(value) <= 60 else f"{value[:60]!r}..."


def template_error(answers: dict[str, str], given: dict[str, object]) -> str | None:
    """An answer that held template syntax was evaluated, not taken literally. The slug is
    left to its own rule: its default is a template, and what it renders to must be a slug."""
    for field in FREE_TEXT:
        value = given.get(field)
        if field != "project_slug" and isinstance(value, str) and TEMPLATE_SYNTAX.search(value):
            return (
                f"{field} must be plain text, not a template: {shown(value)} "
                f"would have become {shown(answers[field])}."
            )
    return None


def text_error(field: str, value: str, max_length: int) -> str | None:
    if not value.strip():
        return f"{field} must not be empty."
    if len(value) > max_length:
        return f"{field} must be at most {max_length} characters."
    if not value.isprintable() or FORBIDDEN_IN_TEXT & set(value):
        forbidden = "".join(sorted(FORBIDDEN_IN_TEXT))
        return f"{field} must be printable text without any of {forbidden}."
    return None


def first_error(answers: dict[str, str], given: dict[str, object]) -> str | None:
    if given:
        error = template_error(answers, given)
        if error:
            return error
    for field, max_length in (("project_name", 80), ("author_name", 100), ("description", 200)):
        error = text_error(field, answers[field], max_length)
        if error:
            return error
    slug = answers["project_slug"]
    if not SLUG.match(slug) or len(slug) > 50:
        return (
            f"project_slug {shown(slug)} must be 1-50 lower-case letters, digits and single "
            "hyphens, starting with a letter."
        )
    email = answers["author_email"]
    if len(email) > 254 or not EMAIL.match(email):
        return f"author_email {shown(email)} is not a valid e-mail address."
    for combination, why in UNSUPPORTED:
        if all(answers[field] == value for field, value in combination.items()):
            return why
    return None


if __name__ == "__main__":
    error = first_error(ANSWERS, GIVEN)
    if error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
