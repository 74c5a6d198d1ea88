{
    "name": "Postventa Seguimiento",
    "summary": "Agentes de seguimiento por WhatsApp: mantenimiento por km/tiempo, visitas de servicio y CSAT, "
    "fin de garantía, cotizaciones sin aceptar e intakes abandonados, con consentimiento y tope de mensajes",
    "version": "19.0.1.0.0",
    "category": "Services/After-Sales",
    "license": "LGPL-3",
    "author": "postventa",
    "website": "https://github.com/postventa/postventa",
    "depends": ["postventa_purchase"],
    "data": [
        "security/postventa_followup_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/postventa_maintenance_schedule_data.xml",
        "data/ir_cron_data.xml",
        "views/postventa_service_visit_views.xml",
        "views/postventa_followup_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/postventa_followup_menus.xml",
    ],
    "demo": [
        "demo/postventa_followup_demo.xml",
    ],
}
