"""Which arm a unit gets: a keyed hash of the unit id (the member or device), so the
assignment is sticky for the experiment's life and no client can pick its arm by picking its
id. Without a unit id, each decision is assigned by its event id the same way."""

from __future__ import annotations

import hashlib
import hmac

import storage


def unit_hash(secret: str, experiment: str, unit_id: str) -> str:
    """The keyed hash that stands for the unit in the log (the raw id is never stored).
    Keyed by the experiment too, so that a unit's arms in two experiments are independent."""
    message = f"{experiment}\x00{unit_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def bucket(hashed: str) -> float:
    """The hash as a number in [0, 1): where the unit falls among the arms' shares."""
    return int(hashed[:13], 16) / float(16**13)


def assign(experiment: storage.Experiment, hashed: str) -> tuple[storage.ExperimentArm, float]:
    """The arm for this hash, and the chance the assignment gives that arm.

    Units keep the bucket their hash gives them for the experiment's life. A stopped arm's
    bucket goes to control, whose chance then grows by the stopped share."""
    point, edge = bucket(hashed) * 100.0, 0.0
    landed = experiment.arms[-1]
    for arm in experiment.arms:
        edge += arm.share
        if point < edge:
            landed = arm
            break
    control = experiment.control
    to_control = control.share + sum(a.share for a in experiment.arms if a.stopped is not None)
    if landed.stopped is not None or landed is control:
        return control, to_control / 100.0
    return landed, landed.share / 100.0
