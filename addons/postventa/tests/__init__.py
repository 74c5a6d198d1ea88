from . import (
    test_assignment,
    test_batch,
    test_bridge,
    test_decision_log,
    test_demo_dealer,
    test_events,
    test_security,
    test_tour,
    test_translations,
    test_vehicle,
    test_warranty_flow,
)
