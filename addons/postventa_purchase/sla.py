"""Supplier choice by SLA: plain Python over plain data (no Odoo imports).

The Odoo models turn ``product.supplierinfo`` rows into :class:`Offer` objects, call
:func:`choose_supplier` and record the :class:`Choice` it returns. Everything here is
deterministic for a given input (same offers, same dates → same choice and same reason).

Rule (also in ``readme/DESCRIPTION.md``):

1. An offer is *valid* when today is inside its validity window and its price can be expressed in
   the base currency (a rate is known). Invalid offers are reported, never chosen.
2. Its *arrival date* is ``today + lead_days`` when the supplier's stock covers the quantity to buy
   (or the stock is unknown), otherwise ``today + lead_days + backorder_days``.
3. Offers arriving on or before the promised date are *in time*. Only those compete.
4. In-time offers are scored ``w_price * price_score + w_reliability * reliability + w_stock * stock_score``
   where ``price_score = cheapest cost / this cost`` (cost = unit price in base currency x
   max(quantity, minimum quantity)), ``reliability`` is the supplier's on-time ratio (0..1) and
   ``stock_score = min(1, supplier stock / quantity)`` (0.5 when unknown).
5. Ties (scores equal to 6 decimals) are broken by earlier arrival, then lower cost, then higher
   reliability, then supplier name (case-insensitive), then offer id.
6. When no valid offer is in time, the one arriving first wins (same tie-break after arrival) and the
   choice says it misses the SLA and by how many days. No valid offer at all → no choice, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "DEFAULT_SLA_DAYS",
    "Choice",
    "Evaluation",
    "Offer",
    "Weights",
    "choose_supplier",
    "promised_date",
]

# Calendar days promised to the customer per fault severity (dealer-configurable in Odoo).
DEFAULT_SLA_DAYS = {"critical": 2, "high": 3, "medium": 5, "low": 10}

SCORE_DIGITS = 6


@dataclass(frozen=True)
class Offer:
    """One supplier's offer for one part (a ``product.supplierinfo`` row, flattened)."""

    offer_id: int | str
    supplier_id: int | str
    supplier_name: str
    price: float
    currency: str = "MXN"
    lead_days: int = 0
    stock: float | None = None
    min_qty: float = 0.0
    reliability: float = 0.8
    valid_from: date | None = None
    valid_until: date | None = None
    product_id: int | str | None = None
    part_number: str = ""
    brand: str = ""
    url: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Weights:
    price: float = 0.6
    reliability: float = 0.25
    stock: float = 0.15
    # Extra days assumed when the supplier's stock does not cover the quantity.
    backorder_days: int = 10


@dataclass(frozen=True)
class Evaluation:
    """How one offer fared: arrival, SLA, cost in base currency, score (or why it was excluded)."""

    offer: Offer
    eta: date | None = None
    sla_ok: bool = False
    order_qty: float = 0.0
    unit_price_base: float | None = None
    cost: float | None = None
    stock_ok: bool = False
    score: float | None = None
    components: dict = field(default_factory=dict)
    excluded: str | None = None  # "not_yet_valid" | "expired" | "no_rate" | "bad_price"

    def as_dict(self) -> dict:
        return {
            "offer_id": self.offer.offer_id,
            "supplier_id": self.offer.supplier_id,
            "supplier": self.offer.supplier_name,
            "product_id": self.offer.product_id,
            "eta": self.eta.isoformat() if self.eta else None,
            "sla_ok": self.sla_ok,
            "cost": self.cost,
            "score": self.score,
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class Choice:
    """The outcome: the chosen offer (or None), whether it meets the SLA and why it was chosen."""

    offer: Offer | None
    evaluation: Evaluation | None
    sla_ok: bool
    reason_code: str  # "best_in_time" | "only_in_time" | "late_fallback" | "no_offers"
    reason: str
    promised: date | None
    details: dict
    ranking: tuple[Evaluation, ...] = ()

    def as_dict(self) -> dict:
        return {
            "supplier_id": self.offer.supplier_id if self.offer else None,
            "supplier": self.offer.supplier_name if self.offer else None,
            "offer_id": self.offer.offer_id if self.offer else None,
            "product_id": self.offer.product_id if self.offer else None,
            "sla_ok": self.sla_ok,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "promised_date": self.promised.isoformat() if self.promised else None,
            "eta": self.evaluation.eta.isoformat() if self.evaluation and self.evaluation.eta else None,
            "score": self.evaluation.score if self.evaluation else None,
            "details": self.details,
        }


def promised_date(start: date, severity: str | None, sla_days: dict | None = None) -> date:
    """The date promised to the customer: ``start`` + the SLA days of the fault's severity."""
    table = {**DEFAULT_SLA_DAYS, **(sla_days or {})}
    days = table.get(severity or "medium", table["medium"])
    return start + timedelta(days=int(days))


def _rate(currency: str, base_currency: str, rates: dict | None) -> float | None:
    if (currency or base_currency).upper() == base_currency.upper():
        return 1.0
    value = (rates or {}).get((currency or "").upper())
    return float(value) if value and value > 0 else None


def _evaluate(
    offer: Offer, qty: float, today: date, promised: date, base_currency: str, rates: dict | None, weights: Weights
) -> Evaluation:
    if offer.valid_from and today < offer.valid_from:
        return Evaluation(offer, excluded="not_yet_valid")
    if offer.valid_until and today > offer.valid_until:
        return Evaluation(offer, excluded="expired")
    if offer.price is None or offer.price < 0:
        return Evaluation(offer, excluded="bad_price")
    rate = _rate(offer.currency, base_currency, rates)
    if rate is None:
        return Evaluation(offer, excluded="no_rate")
    order_qty = max(float(qty), float(offer.min_qty or 0.0))
    stock_ok = offer.stock is None or offer.stock >= qty
    lead = max(int(offer.lead_days or 0), 0)
    eta = today + timedelta(days=lead if stock_ok else lead + weights.backorder_days)
    unit = round(offer.price * rate, 6)
    return Evaluation(
        offer,
        eta=eta,
        sla_ok=eta <= promised,
        order_qty=order_qty,
        unit_price_base=unit,
        cost=round(unit * order_qty, 6),
        stock_ok=stock_ok,
    )


def _scored(evals: list[Evaluation], qty: float, weights: Weights) -> list[Evaluation]:
    if not evals:
        return []
    cheapest = min(e.cost for e in evals)
    scored = []
    for e in evals:
        price_score = 1.0 if e.cost <= 0 else (cheapest / e.cost if cheapest > 0 else 0.0)
        if e.offer.stock is None:
            stock_score = 0.5
        else:
            stock_score = 1.0 if qty <= 0 else min(1.0, max(e.offer.stock, 0.0) / qty)
        reliability = min(max(float(e.offer.reliability or 0.0), 0.0), 1.0)
        score = round(
            weights.price * price_score + weights.reliability * reliability + weights.stock * stock_score,
            SCORE_DIGITS,
        )
        components = {
            "price": round(price_score, 4),
            "reliability": round(reliability, 4),
            "stock": round(stock_score, 4),
        }
        scored.append(
            Evaluation(e.offer, e.eta, e.sla_ok, e.order_qty, e.unit_price_base, e.cost, e.stock_ok, score, components)
        )
    return scored


def _tiebreak(e: Evaluation) -> tuple:
    return (
        e.cost,
        -min(max(float(e.offer.reliability or 0.0), 0.0), 1.0),
        (e.offer.supplier_name or "").casefold(),
        str(e.offer.offer_id),
    )


def _rank_key(e: Evaluation) -> tuple:
    return (-e.score, e.eta, *_tiebreak(e))


def _late_key(e: Evaluation) -> tuple:
    return (e.eta, -e.score, *_tiebreak(e))


def choose_supplier(
    offers,
    qty: float,
    promised: date,
    today: date,
    base_currency: str = "MXN",
    rates: dict | None = None,
    weights: Weights | None = None,
) -> Choice:
    """Pick the offer to buy ``qty`` units from so that they arrive by ``promised``.

    ``rates`` maps a currency code to how many ``base_currency`` units one unit of it is worth
    (e.g. ``{"USD": 17.5}`` with base MXN). Offers in a currency without a rate are excluded.
    """
    weights = weights or Weights()
    evaluations = [_evaluate(o, qty, today, promised, base_currency, rates, weights) for o in offers]
    excluded = [e for e in evaluations if e.excluded]
    valid = _scored([e for e in evaluations if not e.excluded], qty, weights)
    in_time = sorted((e for e in valid if e.sla_ok), key=_rank_key)
    late = sorted((e for e in valid if not e.sla_ok), key=_late_key)
    ranking = tuple(in_time + late + excluded)
    details = {
        "considered": len(evaluations),
        "valid": len(valid),
        "in_time": len(in_time),
        "excluded": sorted({e.excluded for e in excluded}),
        "qty": qty,
        "base_currency": base_currency,
    }
    if in_time:
        best = in_time[0]
        code = "best_in_time" if len(in_time) > 1 else "only_in_time"
        details.update(components=best.components)
        if len(in_time) > 1:
            runner = in_time[1]
            details.update(
                runner_up=runner.offer.supplier_name, runner_up_score=runner.score, tie=runner.score == best.score
            )
        reason = (
            f"{best.offer.supplier_name}: arrives {best.eta.isoformat()} (promised {promised.isoformat()}), "
            f"cost {best.cost:.2f} {base_currency}, score {best.score:.3f} "
            f"(price {best.components['price']:.2f}, reliability {best.components['reliability']:.2f}, "
            f"stock {best.components['stock']:.2f}); {len(in_time)} of {len(evaluations)} offers in time"
        )
        if details.get("tie"):
            reason += f"; tie with {details['runner_up']} broken by arrival, cost, reliability, name"
        return Choice(best.offer, best, True, code, reason, promised, details, ranking)
    if late:
        best = late[0]
        days_late = (best.eta - promised).days
        details.update(days_late=days_late, components=best.components)
        reason = (
            f"no offer arrives by {promised.isoformat()}; earliest is {best.offer.supplier_name} "
            f"on {best.eta.isoformat()} ({days_late} days late), cost {best.cost:.2f} {base_currency}"
        )
        return Choice(best.offer, best, False, "late_fallback", reason, promised, details, ranking)
    if excluded:
        reason = f"no usable offer ({', '.join(details['excluded'])})"
    else:
        reason = "no supplier offers this part"
    return Choice(None, None, False, "no_offers", reason, promised, details, ranking)
