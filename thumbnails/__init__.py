"""Video to ranked, diverse candidate artwork."""

__all__: list[str] = []
