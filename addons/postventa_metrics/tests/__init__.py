from . import test_kpi_engine, test_kpi_json2, test_kpi_reference, test_kpi_security
