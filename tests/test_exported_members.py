"""Each package's __init__ only re-exports, and __all__ lists exactly its public names."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "package", ["storage", "thumbnails", "bandit", "bandit.replay", "thumbnail_bandit"]
)
def test_all_names_exist_and_public_names_are_listed(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    assert all(hasattr(module, name) for name in exported)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, type(module))
    }
    assert public == exported, f"not in __all__: {public - exported}"
