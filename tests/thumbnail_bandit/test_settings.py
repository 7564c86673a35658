"""Policy settings have names: a setting the policy does not take is refused with the valid
keys, the policy that does take it, or the nearest name."""

from __future__ import annotations

import pytest

from bandit import InvalidPolicyArgs
from thumbnail_bandit.cli.settings import read_settings


@pytest.mark.parametrize(
    ("policy", "assignments", "expected"),
    [
        (None, ["exploration=squarecb", "gamma_scale=50"], "a setting of vw: --policy vw"),
        (None, ["floor_shar=0.1"], "did you mean 'floor_share'?"),
        ("vw", ["exploraton=squarecb"], "did you mean 'exploration'?"),
        ("thompson", ["nonsense=1"], "its settings: change_z, draws, floor, seed"),
    ],
)
def test_an_unknown_setting_names_the_valid_ones(
    policy: str | None, assignments: list[str], expected: str
) -> None:
    with pytest.raises(InvalidPolicyArgs, match="has no setting") as refused:
        read_settings(policy, assignments, None)
    assert expected in str(refused.value)
    assert "__init__" not in str(refused.value)  # no Python internals


def test_the_readme_example_with_its_policy_is_accepted() -> None:
    settings = read_settings("vw", ["exploration=squarecb", "gamma_scale=50"], None)
    assert settings.build().params["exploration"] == "squarecb"
