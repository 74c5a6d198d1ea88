"""A Neon case as the customer sees it, in plain Spanish (es-MX). Pure functions: rows in, JSON out.

What the customer sees is what staff see (status, evidence, the decision's reasons, the ticket, the
quote), worded for a customer and without back-office data (no Odoo ids, no portal or staff links,
no supplier ids, no internal notes).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ..whatsapp.messages import evidence_label

STAGES = (
    ("received", "Recibimos tu reporte"),
    ("evidence", "Evidencias completas"),
    ("evaluated", "Garantía evaluada"),
    ("in_progress", "En reparación"),
    ("done", "Terminado"),
)
OUTCOMES = {
    "pending": ("Aún no evaluamos la garantía", "Cuando tengamos tus evidencias, un asesor la revisará."),
    "eligible": ("Tu reparación está cubierta por la garantía", "No tienes que pagar las piezas ni la mano de obra "
                 "cubiertas."),
    "review": ("Un especialista está revisando tu caso", "Te avisaremos por WhatsApp en cuanto tengamos una "
               "respuesta."),
    "no_eligible": ("Esta reparación no está cubierta por la garantía", "Te mostramos las piezas sugeridas y "
                    "puedes pedir una cotización."),
}
# The engine's reason codes (addons/postventa/engine/warranty_policy.py), worded for the customer.
REASONS = {
    "vehicle_unknown": "Aún no identificamos tu vehículo (VIN o placas).",
    "fault_unknown": "Necesitamos precisar cuál es la falla.",
    "delivery_date_unknown": "No encontramos la fecha de entrega de tu vehículo.",
    "odometer_missing": "Falta la foto o lectura del odómetro.",
    "odometer_inconsistent": "La lectura del odómetro no coincide con las anteriores.",
    "odometer_implausible": "La lectura del odómetro parece incorrecta.",
    "evidence_missing": "Faltan evidencias para evaluar tu caso.",
    "time_exceeded": "La garantía de esta pieza ya venció por tiempo.",
    "km_exceeded": "Tu vehículo superó el kilometraje que cubre la garantía para esta pieza.",
    "not_covered": "Esta pieza o sistema no está incluido en la garantía.",
    "wear_item_excluded": "Es una pieza de desgaste normal (por ejemplo balatas o filtros), que la garantía no cubre.",
}
DONE_STATES = {"done"}
IN_PROGRESS_STATES = {"in_progress", "done"}
QUOTE_STATES = {"draft": "Pendiente de tu respuesta", "sent": "Pendiente de tu respuesta", "sale": "Aceptada",
                "cancel": "Cancelada"}


def _iso(value: Any) -> str | None:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value if isinstance(value, str) else None


def _money(value: Any) -> float | None:
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return None


def checklist_label(code: str) -> str:
    """"una foto del odómetro" (the chatbot's wording) -> "Foto del odómetro" (a checklist item)."""
    label = re.sub(r"^(una?|el|la)\s+", "", evidence_label(code).strip())
    return label[:1].upper() + label[1:]


def evidence_checklist(case: dict[str, Any]) -> list[dict[str, Any]]:
    provided = set(case.get("evidence_provided") or [])
    return [{"code": code, "label": checklist_label(code), "provided": code in provided}
            for code in case.get("evidence_required") or [] if isinstance(code, str)]


def timeline(case: dict[str, Any], checklist: list[dict[str, Any]], quote: dict[str, Any] | None) -> list[dict]:
    odoo_state = case.get("odoo_state") or ""
    reached = {
        "received": True,
        "evidence": all(i["provided"] for i in checklist) if checklist
        else case.get("status") == "complete" or bool(case.get("intake_completed_at")),
        "evaluated": case.get("warranty_status") not in (None, "pending"),
        "in_progress": odoo_state in IN_PROGRESS_STATES or bool(case.get("ticket"))
        or bool(quote and quote.get("accepted")),
        "done": odoo_state in DONE_STATES,
    }
    last = max(i for i, (key, _) in enumerate(STAGES) if reached[key] or i == 0)
    return [{"key": key, "label": label, "done": bool(reached[key]), "current": i == last}
            for i, (key, label) in enumerate(STAGES)]


def decision(case: dict[str, Any]) -> dict[str, Any]:
    outcome = case.get("warranty_status") or "pending"
    title, hint = OUTCOMES.get(outcome, OUTCOMES["pending"])
    raw = (case.get("decision") or {}).get("reasons") or []
    reasons = []
    for reason in raw:
        if isinstance(reason, dict):
            text = REASONS.get(str(reason.get("code"))) or reason.get("message")
        else:
            text = str(reason)
        if text and text not in reasons:
            reasons.append(str(text))
    return {"outcome": outcome, "title": title, "hint": hint, "reasons": reasons if outcome != "pending" else []}


def quote_view(case: dict[str, Any], event_data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The quote once purchasing approved it (never a draft staff are still working on)."""
    quote = case.get("quote") if isinstance(case.get("quote"), dict) else None
    event_quote = (event_data or {}).get("quote") if isinstance((event_data or {}).get("quote"), dict) else {}
    if quote is None and event_quote:
        quote = event_quote
    if not quote or quote.get("approval_state") != "approved":
        return None
    total, untaxed = _money(quote.get("amount_total")), _money(quote.get("amount_untaxed"))
    lines = []
    for line in (event_data or {}).get("lines") or []:
        if isinstance(line, dict):
            lines.append({"name": str(line.get("product") or ""), "part_number": line.get("part_number"),
                          "qty": line.get("qty"), "price_unit": _money(line.get("price_unit")),
                          "subtotal": _money(line.get("subtotal")), "labor": bool(line.get("is_labor"))})
    state = quote.get("state") or "draft"
    accepted = state == "sale" or bool(case.get("quote_accepted_at"))
    return {
        "name": quote.get("name"), "state": state,
        "state_label": "Aceptada" if accepted else QUOTE_STATES.get(state, state),
        "lines": lines, "amount_untaxed": untaxed,
        "taxes": round(total - untaxed, 2) if total is not None and untaxed is not None else None,
        "amount_total": total, "currency": quote.get("currency") or "MXN",
        "valid_until": quote.get("validity_date") or (event_data or {}).get("validity_date"),
        "promised_date": quote.get("promised_date") or (event_data or {}).get("promised_date"),
        "accepted": accepted, "accepted_at": _iso(case.get("quote_accepted_at")),
        "can_answer": not accepted and state in ("draft", "sent"),
    }


def case_view(case: dict[str, Any], fault_name: str | None, quote_event: dict[str, Any] | None,
              declined: bool = False) -> dict[str, Any]:
    checklist = evidence_checklist(case)
    quote = quote_view(case, quote_event)
    if quote and declined and not quote["accepted"]:
        quote.update(state_label="Rechazada", can_answer=False, declined=True)
    ticket = case.get("ticket") if isinstance(case.get("ticket"), dict) else None
    outcome = case.get("warranty_status") or "pending"
    return {
        "id": case["id"],
        "ref": case.get("odoo_ref") or f"Caso {case['id']}",
        "created_at": _iso(case.get("created_at")),
        "updated_at": _iso(case.get("updated_at")),
        "vehicle": {"plate": case.get("plate"), "vin_end": (case.get("vin") or "")[-6:] or None,
                    "odo_km": case.get("odo_km")},
        "fault": fault_name or case.get("description") or None,
        "timeline": timeline(case, checklist, quote),
        "evidence": checklist,
        "missing": [item["label"] for item in checklist if not item["provided"]],
        "decision": decision(case),
        "ticket": ticket.get("name") if ticket and outcome == "eligible" else None,
        "quote": quote,
        "can_request_quote": outcome == "no_eligible" and quote is None and not case.get("quote"),
        "quote_requested": outcome == "no_eligible" and quote is None and bool(case.get("quote")),
    }


def parts_view(result: dict[str, Any]) -> dict[str, Any]:
    """Odoo's ``postventa_spareparts`` document reduced to what a customer needs: each part, its Toyota number,
    the warranty note and the national suppliers (price, stock, lead time, whether it arrives in time)."""
    parts = []
    for item in (result.get("items") or [])[:5]:
        if not isinstance(item, dict):
            continue
        part = item.get("part") if isinstance(item.get("part"), dict) else {}
        suppliers = [
            {"name": s.get("name"), "price": _money(s.get("price")), "currency": s.get("currency") or "MXN",
             "stock": bool(s.get("stock")), "lead_time_days": s.get("lead_time_days"), "sla_ok": s.get("sla_ok")}
            for s in (item.get("proveedores") or [])[:4] if isinstance(s, dict)
        ]
        toyota = item.get("toyota") if isinstance(item.get("toyota"), dict) else {}
        garantia = item.get("garantia") if isinstance(item.get("garantia"), dict) else {}
        parts.append({"name": part.get("name"), "part_number": part.get("part_number"), "brand": part.get("brand"),
                      "toyota_part_number": toyota.get("part_number"), "warranty_note": garantia.get("reason"),
                      "proveedores": suppliers})
    return {"parts": parts}
