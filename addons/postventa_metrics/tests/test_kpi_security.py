"""Who may read metrics: after-sales managers (and administrators) and the integration user, for their
own companies only; everybody else is refused."""

from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MetricsCommon


@tagged("post_install", "-at_install")
class TestKpiSecurity(MetricsCommon):
    def test_refused_to_users_without_the_right_group(self):
        for user in (self.kpi_advisor, self.kpi_approver, self.outsider):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.kpis(user, self.day(30), self.day(0))

    def test_allowed_to_managers_admins_and_integration(self):
        admin = self.env.ref("base.user_admin")
        for user in (self.kpi_manager, self.kpi_integration, admin):
            with self.subTest(user=user.login):
                self.assertEqual(self.kpis(user, self.day(30), self.day(0))["period"]["to"], self.day(0))

    def test_refused_for_a_company_the_caller_is_not_in(self):
        # Refused by compute_kpis' own check (raw SQL would not apply record rules), before any read.
        for user in (self.kpi_manager, self.kpi_integration):
            with self.subTest(user=user.login), self.assertRaisesRegex(AccessError, "metrics of this company"):
                self.kpis(user, self.day(30), self.day(0), company=self.company_b)

    def test_bad_input_is_a_clear_user_error(self):
        Kpi = self.env["postventa.kpi"].with_user(self.kpi_manager)
        for args in ((self.day(0), self.day(1)), ("pasado mañana", self.day(0)), (None, self.day(0))):
            with self.subTest(args=args), self.assertRaises(UserError):
                Kpi.compute_kpis(*args)
        with self.assertRaises(UserError):
            Kpi.compute_kpis(self.day(1), self.day(0), company_id=str(self.company_a.id))
        with self.assertRaises(UserError):
            Kpi.compute_kpis((self.today - timedelta(days=4000)).isoformat(), self.day(0))

    def test_analysis_models_are_for_managers_only(self):
        for model in ("postventa.kpi.card", "postventa.kpi.attach.report", "postventa.kpi.resolution.report",
                      "postventa.kpi.stock.report", "postventa.kpi.warranty.report"):
            with self.subTest(model=model):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(self.kpi_advisor).search([])
                self.env[model].with_user(self.kpi_manager).search([])
