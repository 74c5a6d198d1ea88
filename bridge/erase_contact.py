"""``python -m bridge erase-contact <contact>``: erase one person's data, warranty records kept (bridge/privacy.py)."""

from .privacy import add_erase_arguments as add_arguments
from .privacy import run_erase as run

__all__ = ["add_arguments", "run"]
