"""``python -m bridge purge``: delete personal data older than the retention period (bridge/privacy.py)."""

from .privacy import add_purge_arguments as add_arguments
from .privacy import run_purge as run

__all__ = ["add_arguments", "run"]
