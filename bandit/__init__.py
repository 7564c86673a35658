"""Contextual-bandit artwork choice, learning from the SQL log, and replay evaluation."""

__all__: list[str] = []
