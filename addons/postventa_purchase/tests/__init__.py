from . import (
    test_parts,
    test_portal,
    test_quote_flow,
    test_role_matrix,
    test_security_quote,
    test_security_spareparts,
    test_sla,
    test_tour,
)
