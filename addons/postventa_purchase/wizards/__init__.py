from . import postventa_quote_reject_wizard, postventa_quote_wizard
