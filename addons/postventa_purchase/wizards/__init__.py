from . import postventa_quote_wizard
from . import postventa_quote_reject_wizard
