"""postventa bridge: Neon (Postgres) <-> Odoo 19, WhatsApp, manuals search, event delivery."""

__version__ = "0.1.0"
