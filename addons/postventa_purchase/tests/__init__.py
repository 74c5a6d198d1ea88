from . import test_parts, test_quote_flow, test_sla, test_tour
