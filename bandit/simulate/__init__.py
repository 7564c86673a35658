"""Simulated audiences with known tastes, a seeded library of scenarios, and a runner that
scores any policy (or peer library) against the oracle on them."""

from bandit.simulate.audience import (
    DEFAULT_TASTES,
    Audience,
    Taste,
    Turn,
    random_catalog,
)
from bandit.simulate.run import Agent, PolicyAgent, ScenarioResult, run_scenario
from bandit.simulate.scenarios import SCENARIOS, Arrival, Scenario, Setup

__all__ = [
    "DEFAULT_TASTES",
    "SCENARIOS",
    "Agent",
    "Arrival",
    "Audience",
    "PolicyAgent",
    "Scenario",
    "ScenarioResult",
    "Setup",
    "Taste",
    "Turn",
    "random_catalog",
    "run_scenario",
]
