from . import test_vehicle
from . import test_warranty_flow
from . import test_decision_log
from . import test_security
from . import test_batch
from . import test_events
from . import test_bridge
from . import test_tour
