"""One router per resource: rank, events (reward, activate), titles (artwork, modes), keys,
health. Routes parse, call the library on the worker's library thread, and return."""
