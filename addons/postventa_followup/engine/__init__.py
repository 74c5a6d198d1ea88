from . import rules  # noqa: F401
