from . import test_sla
from . import test_parts
from . import test_quote_flow
from . import test_tour
