from . import (
    test_parts,
    test_portal,
    test_purchase_trail,
    test_quote_flow,
    test_sla,
    test_ticket_costs,
    test_timeline,
    test_tour,
    test_translations,
    test_whatif,
)
