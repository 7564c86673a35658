"""The front door of thumbnail-bandit: the ``thumbnail-bandit`` and ``thumbnails`` command lines,
the HTTP decision service, and catalogue runs wired to the log, progress bars and Ray.

It turns the outside world into calls of the three libraries (`thumbnails`, `bandit`,
`storage`) and nothing else; nothing of theirs imports it. Use the libraries from Python;
start the commands as ``thumbnail-bandit ...`` or ``python -m thumbnail_bandit ...``.
"""

__all__: list[str] = []
