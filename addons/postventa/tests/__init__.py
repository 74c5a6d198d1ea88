from . import (
    test_batch,
    test_bridge,
    test_decision_log,
    test_events,
    test_security,
    test_security_case,
    test_security_integration,
    test_tour,
    test_vehicle,
    test_warranty_flow,
)
