"""What an experiment arm can be, written the way the command line writes it.

``NAME=SPEC:SHARE``, for example ``control=head:90`` or ``challenger=policy:thompson:10``:

- ``head``: whatever the log serves anyway (the active reward definition's newest checkpoint);
- ``checkpoint:N``: that checkpoint, frozen;
- ``baseline``: the title's editorial artwork (``titles set-baseline``), always;
- ``policy:NAME`` or ``policy:NAME?key=value&key=value``: a policy of the registry with those
  settings, learned into a lineage of its own from the whole log (``learn`` keeps it current
  while the experiment runs), so that it is judged as it would run if it won.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import storage
from bandit.errors import InvalidExperiment, InvalidPolicyArgs
from bandit.log_boundary import log_errors
from bandit.policies.base import Policy
from bandit.policies.registry import build_policy

_OPTION = re.compile(r"(?P<name>[^=]+)=(?P<spec>.+):(?P<share>[0-9]+)")


def parse_arm(option: str) -> storage.ExperimentArm:
    """``control=head:90`` -> the arm ``control`` served by ``head`` on 90% of the units.

    Raises:
        InvalidExperiment: not ``NAME=SPEC:SHARE``, or a spec that is none of the kinds.
    """
    found = _OPTION.fullmatch(option.strip())
    if found is None:
        raise InvalidExperiment(
            f"arm {option!r}: write NAME=SPEC:SHARE, e.g. control=head:90 or"
            " challenger=policy:thompson:10"
        )
    spec = found["spec"]
    check_spec(spec)
    with log_errors():
        return storage.ExperimentArm(found["name"], spec, int(found["share"]))


def check_spec(spec: str) -> None:
    """Raise InvalidExperiment unless ``spec`` is one of the kinds (the log is not read)."""
    kind, _, rest = spec.partition(":")
    if spec in ("head", "baseline"):
        return
    if kind == "checkpoint" and rest.isascii() and rest.isdigit() and int(rest) > 0:
        return
    if kind == "policy" and rest:
        policy_of(spec)  # bad names and settings fail here
        return
    raise InvalidExperiment(
        f"arm spec {spec!r}: use head, baseline, checkpoint:N or policy:NAME[?key=value&...]"
    )


def policy_of(spec: str) -> Policy:
    """A fresh policy for a ``policy:NAME?settings`` spec. Raises InvalidExperiment."""
    name, _, query = spec.removeprefix("policy:").partition("?")
    settings: dict[str, object] = {}
    for key, raw in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        settings[key] = _number(raw)
    try:
        return build_policy(name, settings)
    except InvalidPolicyArgs as exc:
        raise InvalidExperiment(f"arm spec {spec!r}: {exc}") from exc


def _number(raw: str) -> object:
    for convert in (int, float):
        try:
            return convert(raw)
        except ValueError:
            continue
    return raw


def lineage(reward: str, experiment: str, arm: str) -> str:
    """The checkpoint lineage a ``policy:`` arm learns into: its experiment's definition,
    then ``@experiment.arm`` (definition names are identifiers, so the two never mix)."""
    return f"{reward}@{experiment}.{arm}"


def checkpoint_version(spec: str) -> int | None:
    kind, _, rest = spec.partition(":")
    return int(rest) if kind == "checkpoint" else None
