"""Estimators against closed forms and against known true values over many seeds."""

from __future__ import annotations

import numpy as np
import pytest

from bandit.replay import CandidateSets, GroupedPmf, LoggedData, evaluate
from bandit.replay.reward_model import RewardModel
from tests.bandit.replay.synthetic import LOGGING, make_log, target_matrix, true_value

TARGET = np.array([[0.0, 0.1, 0.9, 0.0], [0.05, 0.0, 0.0, 0.95]])  # close to the best arms


def _by_name(estimates: list) -> dict:  # type: ignore[type-arg]
    return {e.estimator: e for e in estimates}


def test_small_log_matches_the_closed_forms() -> None:
    data = LoggedData(
        actions=("x", "y"),
        chosen=np.array([0, 1, 0, 1]),
        propensity=np.array([0.5, 0.5, 0.25, 0.75]),
        reward=np.array([1.0, 0.0, 0.0, 1.0]),
        segment=np.array(["s", "s", "s", "s"]),
        candidates=CandidateSets.everything(4, 2),
        event_id=["1", "2", "3", "4"],
    )
    rows = np.zeros(4, dtype=np.int64)
    pi = GroupedPmf.from_dense(np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]), rows)
    r_hat = RewardModel(np.full((1, 1, 2), 0.5), fold=rows, segment_index=rows)
    e = _by_name(evaluate(data, pi, "t", r_hat=r_hat, bootstrap=50, clip=1.5))
    w = np.array([2.0, 0.0, 2.0, 2 / 3])
    r = data.reward
    assert e["ips"].estimate == pytest.approx((w * r).mean())  # (2 + 0 + 0 + 2/3) / 4
    assert e["snips"].estimate == pytest.approx((w * r).sum() / w.sum())
    assert np.isnan(e["replay"].estimate) and "not uniform" in e["replay"].validity
    assert e["dm"].estimate == pytest.approx(0.5)
    dr = 0.5 + w * (r - 0.5)
    assert e["dr"].estimate == pytest.approx(dr.mean())
    clipped = np.minimum(w, 1.5)
    assert e["clipped-ips"].estimate == pytest.approx((clipped * r).mean())
    assert e["ips"].ess == pytest.approx(w.sum() ** 2 / (w * w).sum())
    assert e["ips"].n == 4
    for est in e.values():
        assert est.estimator == "replay" or est.ci_low <= est.estimate <= est.ci_high
    uniform = LoggedData(**{**data.__dict__, "propensity": np.full(4, 0.5)})
    replay = _by_name(evaluate(uniform, pi, "t", r_hat=r_hat, bootstrap=0))["replay"]
    assert replay.estimate == pytest.approx((1.0 * 1 + 0.0 * 0 + 0.5 * 0 + 0.5 * 1) / 2.0)
    assert (replay.interval, replay.validity) == ("wilson", "")


def test_intervals_cover_the_true_value_90_to_98_percent_of_the_time() -> None:
    truth = true_value(TARGET)
    seeds = range(150)
    hits = {name: 0 for name in ("ips", "snips", "dr")}
    boot_hits = dict(hits)
    for seed in seeds:
        data = make_log(1_000, seed)
        e = _by_name(evaluate(data, target_matrix(data, TARGET), "t", bootstrap=200, seed=seed))
        for name in hits:
            hits[name] += e[name].ci_low <= truth <= e[name].ci_high
            boot_hits[name] += e[name].boot_low <= truth <= e[name].boot_high
    for name in hits:
        assert 0.90 <= hits[name] / len(seeds) <= 0.98, (name, hits[name])
        assert 0.90 <= boot_hits[name] / len(seeds) <= 0.98, (name, boot_hits[name])


def test_dr_varies_less_than_ips_when_the_reward_model_is_good() -> None:
    ips, dr = [], []
    for seed in range(100):
        data = make_log(4_000, seed)
        e = _by_name(evaluate(data, target_matrix(data, TARGET), "t", bootstrap=0))
        ips.append(e["ips"].estimate)
        dr.append(e["dr"].estimate)
    assert np.std(dr) <= np.std(ips)
    assert abs(np.mean(dr) - true_value(TARGET)) < 0.005


def test_poor_support_is_flagged() -> None:
    data = make_log(2_000, 1)
    logged = LOGGING[data.segment_index].copy()
    logged[:, 3] = 0.0  # as if the logger never offered a3...
    no_a3 = LoggedData(
        **{**data.__dict__, "logged_pmf": GroupedPmf.from_dense(logged, data.segment_index)}
    )
    e = _by_name(evaluate(no_a3, target_matrix(no_a3, TARGET), "t", bootstrap=0))
    assert any("poor support" in w for w in e["ips"].warnings)  # ...where the target goes
    fine = _by_name(evaluate(data, target_matrix(data, TARGET), "t", bootstrap=0))
    assert fine["ips"].warnings == ()


def test_block_bootstrap_on_large_logs_agrees_with_the_normal_interval() -> None:
    data = make_log(60_000, 3)  # above MAX_BOOTSTRAP_UNITS: blocks are resampled
    e = _by_name(evaluate(data, target_matrix(data, TARGET), "t", bootstrap=400, seed=1))
    for name in ("ips", "snips", "dr"):
        normal = e[name].ci_high - e[name].ci_low
        boot = e[name].boot_high - e[name].boot_low
        assert abs(boot - normal) / normal < 0.15, (name, boot, normal)
