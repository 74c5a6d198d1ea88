from . import (
    postventa_case,
    postventa_part_equivalence,
    postventa_supplier_choice,
    product_product,
    product_supplierinfo,
    product_template,
    purchase_order,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
)
