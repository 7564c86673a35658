"""One router per resource: rank, events (reward, activate), titles (artwork, modes), keys,
health. Routes parse, call the library (see `thumbnail_bandit.service.runtime` for on which thread),
and return."""
