"""The follow-up agents' plain-Python rules (addons/postventa_followup/engine/rules.py), no database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tests.addon_modules import load

rules = load("postventa_followup/engine/rules.py", "postventa_followup_rules")

TODAY = date.today()
NOW = datetime.combine(TODAY, time(12, 0))
S = rules.Settings(template_kinds=frozenset({"service_due"}))


def predict(delivery_days_ago, readings, last_service=None, km=10000, months=6):
    delivery = TODAY - timedelta(days=delivery_days_ago)
    pts = sorted((TODAY - timedelta(days=d), v) for d, v in readings)
    return rules.predict_next_service(
        today=TODAY, delivery_date=delivery, first_reading=pts[0] if pts else None,
        last_reading=pts[-1] if pts else None, last_service=last_service, interval_km=km, interval_months=months,
    )


def test_a_taxi_is_due_by_km_long_before_a_weekend_car_is_due_by_time():
    taxi = predict(100, [(10, 9000)])  # 9,000 km in 90 days: 100 km/day
    weekend = predict(100, [(10, 900)])  # 10 km/day
    assert taxi.reason == "km" and taxi.milestone_km == 10000
    assert taxi.due_date == TODAY - timedelta(days=10) + timedelta(days=10)  # 1,000 km left at 100 km/day
    assert round(taxi.km_per_day) == 100 and taxi.estimated_km == 10000
    assert weekend.reason == "time" and weekend.milestone_km == 10000
    assert (weekend.due_date - (TODAY - timedelta(days=100))).days in range(181, 185)  # six months


def test_rate_comes_from_the_readings_not_only_from_the_delivery_date():
    # delivered long ago but parked, then driven hard lately: the readings' rate decides
    p = predict(150, [(40, 1000), (10, 4000)])  # 3,000 km in 30 days between the readings...
    # ...but the first "reading" is the delivery (0 km), earlier than both: 4,000 km in 140 days
    assert round(p.km_per_day, 1) == round(4000 / 140, 1)
    # no delivery anchor before the first reading when the first reading is earlier
    q = rules.predict_next_service(
        today=TODAY, delivery_date=TODAY - timedelta(days=5), first_reading=(TODAY - timedelta(days=40), 1000),
        last_reading=(TODAY - timedelta(days=10), 4000), last_service=None, interval_km=10000, interval_months=6)
    assert q.km_per_day == 100


def test_after_a_service_the_next_milestone_counts_from_it():
    service = (TODAY - timedelta(days=30), 20100)
    p = predict(400, [(30, 20100)], last_service=service)
    assert p.milestone_km == 30000
    assert p.due_date <= service[0] + timedelta(days=184)


def test_a_service_done_a_little_early_covers_its_milestone():
    assert predict(400, [(1, 29500)], last_service=(TODAY - timedelta(days=1), 29500)).milestone_km == 40000
    assert predict(400, [(1, 24000)], last_service=(TODAY - timedelta(days=1), 24000)).milestone_km == 30000
    assert predict(100, [(1, 4000)], last_service=(TODAY - timedelta(days=1), 4000)).milestone_km == 10000


def test_readings_too_close_together_give_no_rate_and_the_calendar_decides():
    p = rules.predict_next_service(
        today=TODAY, delivery_date=None, first_reading=(TODAY - timedelta(days=3), 100),
        last_reading=(TODAY - timedelta(days=1), 900), last_service=(TODAY - timedelta(days=3), 100),
        interval_km=10000, interval_months=6)
    assert p.km_per_day is None and p.reason == "time"
    assert rules.predict_next_service(today=TODAY, delivery_date=None, first_reading=None, last_reading=None,
                                      last_service=None, interval_km=10000, interval_months=6) is None


def test_quiet_hours_in_local_time_including_a_window_past_midnight():
    assert rules.in_allowed_hours(time(9, 0), S) and rules.in_allowed_hours(time(19, 59), S)
    assert not rules.in_allowed_hours(time(20, 0), S) and not rules.in_allowed_hours(time(8, 59), S)
    night = rules.Settings(quiet_start=22, quiet_end=2)
    assert rules.in_allowed_hours(time(23, 0), night) and rules.in_allowed_hours(time(1, 0), night)
    assert not rules.in_allowed_hours(time(12, 0), night)


def test_24_hour_window_free_text_inside_template_outside_none_without_template():
    assert rules.delivery_mode("csat_request", NOW - timedelta(hours=23), NOW, S) == "text"
    assert rules.delivery_mode("service_due", NOW - timedelta(hours=25), NOW, S) == "template"
    assert rules.delivery_mode("csat_request", NOW - timedelta(hours=25), NOW, S) is None
    assert rules.delivery_mode("service_due", None, NOW, S) == "template"


def test_refusal_checks_contact_consent_hours_cap_and_window():
    action = rules.Action(key="k", agent="a", event_type="followup.sent", record=None, data={},
                          message_kind="service_due")
    ok = rules.Contact("+5215512345678", "opted_in")
    assert rules.refusal(action, ok, NOW, NOW, S) is None
    assert rules.refusal(action, None, NOW, NOW, S) == "no_contact"
    assert rules.refusal(action, rules.Contact(None, "opted_in"), NOW, NOW, S) == "no_contact"
    assert rules.refusal(action, rules.Contact("+5215512345678", "opted_out"), NOW, NOW, S) == "opted_out"
    assert rules.refusal(action, rules.Contact("+5215512345678", None), NOW, NOW, S) == "no_consent"
    assert rules.refusal(action, ok, NOW.replace(hour=21), NOW, S) == "quiet_hours"
    assert rules.refusal(action, rules.Contact("+5215512345678", "opted_in", sent_recently=2), NOW, NOW,
                         S) == "frequency_cap"
    csat = rules.Action(key="c", agent="a", event_type="followup.sent", record=None, data={},
                        message_kind="csat_request")
    assert rules.refusal(csat, ok, NOW, NOW, S) == "no_template"
    event_only = rules.Action(key="e", agent="a", event_type="service.due", record=None, data={})
    assert rules.refusal(event_only, None, NOW.replace(hour=3), NOW, S) is None
