"""Is ``import bandit`` ours? PyCQA's security linter is also called ``bandit``, and many CI
set-ups install it: in the same environment one of the two packages hides the other.

The check looks the package up without importing it, so the command can say what is wrong
before a foreign ``bandit`` runs any code (or fails with a confusing traceback).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: A module only our ``bandit`` has: the sign that the package found is this project's.
_OURS = "chooser.py"


def foreign_bandit() -> str | None:
    """None when ``import bandit`` finds this project's package; else one line that says
    which package shadows it and what to do."""
    spec = importlib.util.find_spec("bandit")
    if spec is None:
        return (
            "the package 'bandit' of thumbnail-bandit is not installed beside"
            " 'thumbnail_bandit'; reinstall it: pip install --force-reinstall thumbnail-bandit"
        )
    folders = [Path(p) for p in spec.submodule_search_locations or ()]
    if any((folder / _OURS).is_file() for folder in folders):
        return None
    where = folders[0] if folders else Path(spec.origin or "?")
    return (
        f"another package named 'bandit' ({where}, probably PyCQA's security linter) hides"
        " thumbnail-bandit's in this environment. Run thumbnail-bandit from its own"
        " virtual environment (make install creates .venv), or uninstall the other one"
        " there: pip uninstall bandit"
    )
