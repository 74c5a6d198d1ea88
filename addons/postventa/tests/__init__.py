from . import (
    test_batch,
    test_bridge,
    test_decision_log,
    test_events,
    test_policy_versions,
    test_security,
    test_timeline,
    test_tour,
    test_vehicle,
    test_warranty_flow,
    test_whatif,
    test_whatif_http,
)
