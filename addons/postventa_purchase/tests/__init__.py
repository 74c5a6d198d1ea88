from . import test_parts, test_portal, test_quote_flow, test_sla, test_timeline, test_tour, test_whatif
