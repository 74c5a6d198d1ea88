from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        """The workshop's labour is sold with the company's sale tax (IVA 16 % with ``l10n_mx``).

        The labour product comes with this module, before the company has a chart; Odoo then puts the
        new chart's default tax only on products taxed in another company, so labour lines would go out
        without IVA.
        """
        res = super()._post_load_data(template_code, company, template_data)
        company = company or self.env.company
        labour = company.sudo()._postventa_labor_product()
        if labour and company.account_sale_tax_id and not labour.sudo().taxes_id.filtered(
            lambda tax: tax.company_id == company
        ):
            labour.product_tmpl_id.sudo()._force_default_sale_tax(company)
        return res
