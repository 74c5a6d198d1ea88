{
    "name": "Postventa Métricas",
    "summary": "Venta adjunta, tiempo de resolución, rotación de refacciones y costo de garantía, "
    "para gerentes (tablero, análisis) e integradores (postventa.kpi/compute_kpis)",
    "version": "19.0.1.0.0",
    "category": "Services/After-Sales",
    "license": "LGPL-3",
    "author": "postventa",
    "website": "https://github.com/postventa/postventa",
    "depends": ["postventa_purchase", "stock"],
    "data": [
        "security/postventa_metrics_security.xml",
        "security/ir.model.access.csv",
        "views/postventa_kpi_attach_report_views.xml",
        "views/postventa_kpi_resolution_report_views.xml",
        "views/postventa_kpi_stock_report_views.xml",
        "views/postventa_kpi_warranty_report_views.xml",
        "views/postventa_kpi_card_views.xml",
        "views/postventa_metrics_menus.xml",
    ],
    "installable": True,
}
