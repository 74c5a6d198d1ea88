{
    "name": "Postventa Refacciones y Compras",
    "summary": "Refacciones Toyota y equivalencias, ofertas de proveedores, cotizaciones aprobadas por compras "
    "y órdenes de compra al proveedor elegido por SLA",
    "version": "19.0.1.0.0",
    "category": "Services/After-Sales",
    "license": "LGPL-3",
    "author": "postventa",
    "website": "https://github.com/postventa/postventa",
    # l10n_mx: the product is for Mexican dealers (MXN, IVA 16 %); on a company outside Mexico it only
    # adds the Mexican chart as one more template to choose from (it is not loaded on that company).
    "depends": ["postventa", "sale_management", "purchase", "stock", "l10n_mx"],
    "data": [
        "security/postventa_purchase_security.xml",
        "security/ir.model.access.csv",
        "data/product_data.xml",
        "data/mail_activity_type_data.xml",
        "views/product_template_views.xml",
        "views/postventa_part_equivalence_views.xml",
        "views/product_supplierinfo_views.xml",
        "views/res_partner_views.xml",
        "views/postventa_supplier_choice_views.xml",
        "views/sale_order_views.xml",
        "views/purchase_order_views.xml",
        "views/postventa_case_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/postventa_quote_wizard_views.xml",
        "wizards/postventa_quote_reject_wizard_views.xml",
        "views/postventa_purchase_menus.xml",
    ],
    "demo": [
        "demo/res_company_demo.xml",
        "demo/account_chart_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/postventa_part_equivalence_demo.xml",
        "demo/product_supplierinfo_demo.xml",
        "demo/postventa_fault_demo.xml",
        "demo/sale_order_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "postventa_purchase/static/tests/tours/*.js",
        ],
    },
}
