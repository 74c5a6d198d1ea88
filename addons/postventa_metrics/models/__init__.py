from . import (
    postventa_kpi,
    postventa_kpi_attach_report,
    postventa_kpi_card,
    postventa_kpi_resolution_report,
    postventa_kpi_stock_report,
    postventa_kpi_warranty_report,
)
