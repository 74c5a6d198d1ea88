"""compute_kpis over Odoo's JSON-2 HTTP API, as the bridge calls it, with real API keys."""

import json
from datetime import datetime, timedelta

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import MetricsCommon


@tagged("post_install", "-at_install")
class TestKpiJson2(MetricsCommon, HttpCase):
    def _call(self, user, **kwargs):
        key = self.env["res.users.apikeys"].with_user(user)._generate(
            scope="rpc", name="metrics test", expiration_date=datetime.now() + timedelta(days=1)
        )
        return self.url_open(
            "/json/2/postventa.kpi/compute_kpis", data=json.dumps(kwargs),
            headers={"Content-Type": "application/json", "Authorization": f"bearer {key}"},
        )

    def test_integration_user_reads_the_contract(self):
        response = self._call(self.kpi_integration, date_from=self.day(30), date_to=self.day(0))
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(list(body), ["period", "currency", "attach_rate", "resolution_hours", "stock_rotation",
                                      "warranty_cost"])
        self.assertEqual(body["period"], {"from": self.day(30), "to": self.day(0)})
        self.assertEqual(body["currency"], "MXN")
        self.assertEqual(set(body["attach_rate"]), {"value", "numerator", "denominator"})
        self.assertEqual(set(body["resolution_hours"]), {"count", "mean", "median", "p90"})
        self.assertEqual(set(body["stock_rotation"]), {"units_out", "avg_on_hand", "turnover", "days_of_inventory"})
        self.assertEqual(set(body["warranty_cost"]), {"tickets", "parts", "labor", "total", "per_ticket"})

    @mute_logger("odoo.http")
    def test_others_are_refused_over_http(self):
        response = self._call(self.kpi_advisor, date_from=self.day(30), date_to=self.day(0))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["name"], "odoo.exceptions.AccessError")
        response = self._call(self.kpi_integration, date_from=self.day(30), date_to=self.day(0),
                              company_id=self.company_b.id)
        self.assertEqual(response.status_code, 403)
        self.assertIn("metrics of this company", response.json()["message"])

    @mute_logger("odoo.http")
    def test_bad_period_is_a_4xx_with_the_reason(self):
        response = self._call(self.kpi_integration, date_from=self.day(0), date_to=self.day(1))
        self.assertTrue(400 <= response.status_code < 500, response.status_code)
        self.assertIn("after", response.json()["message"])
