"""The sync modules Flask and Django run, generated from FastAPI's async originals by
unasyncd, so that each of them is written once. After changing an original, regenerate:

    uv run python -m tests.sync_twins

tests/test_sync_twins.py fails while a generated file differs from what its original gives.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import libcst as cst
from unasyncd.transformers import TreeTransformer

from harness.matrix import PROJECT_TEMPLATE

COMMAND = "uv run python -m tests.sync_twins"
ORIGINALS = "_variants/fastapi"
# Each async original (under ORIGINALS) and the variant its sync twin is written into.
TWINS = {
    "app/services/__init__.py": "_variants/sync",
    "app/services/ports.py": "_variants/sync",
    "app/services/users.py": "_variants/sync",
    "app/services/auth.py": "_variants/sync",
    "app/adapters/cache/__init__.py": "_variants/sync",
    "app/adapters/cache/counters.py": "_variants/sync",
    "app/adapters/cache/memory.py": "_variants/sync",
    "app/adapters/cache/redis.py": "_variants/sync",
    "app/repositories/__init__.py": "_variants/flask",
    "app/repositories/users.py": "_variants/flask",
    "app/repositories/refresh_tokens.py": "_variants/flask",
    "tests/test_cache_adapters.py": "_variants/sync",
    "tests/test_rate_limiter.py": "_variants/sync",
}
# Async names and their sync counterparts, beyond unasyncd's own table (asyncio.Lock,
# Awaitable[T], async with...): fully qualified, or a bare name for a method.
REPLACEMENTS = {
    "redis.asyncio.Redis": "redis.Redis",
    "limits.aio.storage.MemoryStorage": "limits.storage.MemoryStorage",
    "sqlalchemy.ext.asyncio.AsyncSession": "sqlalchemy.orm.Session",
    "aclose": "close",
}
# What the baked projects' ruff asks of every file (their pyproject.toml files), for the
# generated files to pass it as they are.
RUFF_SETTINGS = [
    "--isolated",
    "--no-cache",
    "--line-length=100",
    "--target-version=py311",
    "--config=lint.isort.known-first-party=['app']",
]


class DropReplacedImports(cst.CSTTransformer):
    """unasyncd imports each sync name it brings in, but keeps the import of the async name
    it replaced, which would shadow the sync one: this drops those."""

    def __init__(self, replaced: set[tuple[str, str]]) -> None:
        super().__init__()
        self._replaced = replaced

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if updated_node.module is None or isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        module = cst.helpers.get_full_name_for_node(updated_node.module)
        kept = [
            alias
            for alias in updated_node.names
            if (module, cst.helpers.get_full_name_for_node(alias.name)) not in self._replaced
        ]
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=kept)


def sync_text(source: str) -> str:
    """The sync twin of an async module's source, before ruff tidies it."""
    transformed = TreeTransformer(extra_name_replacements=REPLACEMENTS)(source)
    replaced = {(name.rpartition(".")[0], name.rpartition(".")[2]) for name in REPLACEMENTS}
    return cst.parse_module(transformed).visit(DropReplacedImports(replaced)).code


def header(original: str) -> str:
    return (
        f"# Generated from {ORIGINALS}/{original} by\n"
        f"# `{COMMAND}` (in the template); do not edit.\n"
    )


def ruff(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "ruff", *args, *RUFF_SETTINGS], check=True)


def generated() -> dict[Path, str]:
    """Each sync twin's path in the template, and the text its original gives."""
    with tempfile.TemporaryDirectory() as workdir:
        drafts = {}
        for original, variant in TWINS.items():
            draft = Path(workdir, variant, original)
            draft.parent.mkdir(parents=True, exist_ok=True)
            source = (PROJECT_TEMPLATE / ORIGINALS / original).read_text()
            draft.write_text(header(original) + sync_text(source))
            drafts[PROJECT_TEMPLATE / variant / original] = draft
        # The imports the transformation left unused go, the rest are sorted, and the
        # lines it changed are formatted again.
        ruff("check", "--quiet", "--fix-only", "--select=I,F401", workdir)
        ruff("format", "--quiet", workdir)
        return {twin: draft.read_text() for twin, draft in drafts.items()}


def stale_twins() -> list[Path]:
    """The sync twins that are missing or differ from what their originals give."""
    return [
        twin for twin, text in generated().items() if not twin.exists() or twin.read_text() != text
    ]


def main() -> None:
    for twin, text in generated().items():
        changed = not twin.exists() or twin.read_text() != text
        twin.parent.mkdir(parents=True, exist_ok=True)
        twin.write_text(text)
        print(f"{twin.relative_to(PROJECT_TEMPLATE)}: {'updated' if changed else 'unchanged'}")


if __name__ == "__main__":
    main()
