"""The intake state machine and the parsers, as plain functions (no database, no network)."""

from __future__ import annotations

import pytest

from bridge.whatsapp import conversation, parsing
from bridge.whatsapp.conversation import Context, Inbound, Media
from bridge.whatsapp.messages import MESSAGES
from bridge.whatsapp.parsing import Fault

FAULTS = [
    Fault("FRN-001", "Ruido o rechinido en frenos", "frenos", "rechinan chillan los frenos al frenar",
          ("odometer_photo", "noise_video")),
    Fault("MOT-002", "Fuga de aceite de motor", "motor", "manchas de aceite goteo", ("leak_photo",)),
]


def ctx(**kw) -> Context:
    return Context(faults=FAULTS, **kw)


def talk(lines, state=None, context=None):
    state = state or {}
    outs = []
    for line in lines:
        inbound = line if isinstance(line, Inbound) else Inbound(line)
        out = conversation.handle(state, inbound, context or ctx())
        if out.open_case:
            out.state["case_id"] = 7
        state = out.state
        outs.append(out)
    return state, outs


@pytest.mark.parametrize("vin, ok, warning", [
    ("1HGCM82633A004352", True, False),      # valid North American check digit
    ("1HGCM82633A004353", False, False),     # wrong check digit, North American: rejected
    ("JTDKB20U993456789", True, True),       # Japanese Toyota: check digit warns only
    ("8AJFA22G1E4567890", True, True),       # Argentine Hilux
    ("MR0FZ22G801234567", True, True),       # Thai Hilux
    ("JTDKB20U99345678", False, False),      # 16 characters
    ("JTDKB20U99345678O", False, False),     # the letter O
])
def test_vin_rules(vin, ok, warning):
    check = parsing.check_vin(vin)
    assert check.ok is ok
    assert check.check_digit_warning is warning


def test_check_digit_x():
    # remainder 10 is written X
    assert parsing.vin_check_digit("1M8GDM9AXKP042788") == "X"


@pytest.mark.parametrize("text, km", [
    ("45000", 45000), ("45,000 km", 45000), ("45.000", 45000), ("45 mil", 45000), ("45k", 45000),
    ("tiene 120500 kms", 120500), ("cero", None), ("9999999", None),
])
def test_odometer(text, km):
    assert parsing.parse_odometer(text) == km


@pytest.mark.parametrize("text, plate", [
    ("ABC-123-A", "ABC-123-A"), ("abc 1234", "ABC-1234"), ("hola", None), ("123456", None),
])
def test_plates(text, plate):
    assert parsing.parse_plate(text) == plate


def test_fault_matching_by_keywords():
    assert parsing.match_faults("Me rechinan mucho los frenos", FAULTS)[0] == "FRN-001"
    assert parsing.match_faults("veo una fuga de aceite", FAULTS)[0] == "MOT-002"
    assert parsing.match_faults("😡😡", FAULTS) == []


def test_happy_path_to_complete_case():
    state, outs = talk(["Hola", "JTDKB20U993456789", "45000", "rechinan los frenos", "sí"])
    assert state["step"] == "evidence"
    assert outs[1].open_case and outs[1].case_patch == {"vin": "JTDKB20U993456789"}
    assert outs[2].case_patch == {"odo_km": 45000}
    assert outs[4].case_patch["falla_tipo"] == "FRN-001"
    assert "foto del odómetro" in outs[4].replies[0]
    photo = Inbound(media=(Media(0, "https://x/0", "image/jpeg"),))
    out = conversation.handle(state, photo, ctx())
    assert out.media_kinds == {0: "odometer_photo"}
    assert "video" in out.replies[-1]
    video = Inbound(media=(Media(0, "https://x/1", "video/mp4"),))
    out = conversation.handle(out.state, video, ctx())
    assert out.media_kinds == {0: "noise_video"}
    assert out.state["pending"] == ["odometer_photo", "noise_video"]
    first = conversation.evidence_stored(out.state, 7, "odometer_photo")
    assert not first.replies
    done = conversation.evidence_stored(first.state, 7, "noise_video")
    assert done.state["step"] == "done" and done.case_patch == {"status": "complete"}
    assert "#7" in done.replies[0]


def test_failed_download_asks_again():
    state, _ = talk(["Hola", "JTDKB20U993456789", "45000", "fuga de aceite", "si"])
    out = conversation.handle(state, Inbound(media=(Media(0, "u", "image/jpeg"),)), ctx())
    failed = conversation.evidence_failed(out.state, 7, "leak_photo", "pesa más de 5 MB")
    assert "reenvías" in failed.replies[0]
    assert failed.state["pending"] == []
    again = conversation.handle(failed.state, Inbound("listo"), ctx())
    assert "foto de la fuga" in again.replies[0]


def test_no_match_offers_a_menu_and_other_completes_without_evidence():
    state, outs = talk(["Hola", "ABC-123-A", "1000", "se apaga el estéreo"])
    assert state["step"] == "choose" and "1. Ruido" in outs[-1].replies[0]
    state, outs = talk(["3"], state)
    assert state["step"] == "done" and outs[-1].case_patch["status"] == "complete"


def test_rejecting_the_suggestion_shows_the_menu():
    state, _ = talk(["Hola", "ABC-123-A", "1000", "rechinan los frenos", "no"])
    assert state["step"] == "choose"
    state, _ = talk(["2"], state)
    assert state["step"] == "evidence" and state["required"] == ["leak_photo"]


def test_plate_lookup_uses_the_known_vin():
    context = ctx(vehicle_by_plate=lambda plate: "JTDKB20U993456789" if plate == "ABC-123-A" else None)
    _, outs = talk(["Hola", "ABC-123-A"], context=context)
    assert outs[-1].case_patch == {"plate": "ABC-123-A", "vin": "JTDKB20U993456789"}
    assert "Encontré" in outs[-1].replies[0]


def test_commands_at_any_point():
    state, outs = talk(["Hola", "JTDKB20U993456789", "hablar con un asesor"])
    assert state["step"] == "handoff" and outs[-1].case_patch == {"status": "handoff"}
    assert outs[-1].handoff_note == "hablar con un asesor"
    state, outs = talk(["lo que sea"], state)
    assert outs[-1].replies == []  # a person has the conversation
    state, outs = talk(["nuevo", "JTDKB20U993456789", "CANCELAR"], state)
    assert outs[-1].case_patch == {"status": "cancelled"} and state["step"] == "start"
    state, outs = talk(["Menú"], state)
    assert outs[-1].replies[0] == MESSAGES["menu"]


def test_three_bad_answers_offer_a_person():
    _, outs = talk(["Hola", "no sé", "tampoco", "quién sabe"])
    assert "asesor" in outs[-1].replies[-1]


def test_quote_acceptance_and_csat_are_cross_case():
    state = {"step": "done", "case_id": 3, "quote_case_id": 3, "csat_case_id": 2}
    out = conversation.handle(state, Inbound("Acepto"), ctx())
    assert out.accept_quote_case == 3 and "quote_case_id" not in out.state
    out = conversation.handle(out.state, Inbound("5"), ctx())
    assert out.csat == (2, 5)
    out = conversation.handle(out.state, Inbound("acepto"), ctx())
    assert out.accept_quote_case is None and "pendientes" in out.replies[0]


def test_questions_are_queued_not_answered_inline():
    _, outs = talk(["¿Cada cuándo cambio el aceite?"])
    assert outs[0].question and "manual" in outs[0].replies[0]


def test_media_before_the_vehicle_is_kept():
    out = conversation.handle({}, Inbound(media=(Media(0, "u", "image/jpeg"),)), ctx())
    assert out.open_case and out.media_kinds == {0: None}
    assert out.state["step"] == "vehicle"


def test_an_unknown_stored_step_restarts_politely():
    state, outs = talk(["hola"], state={"step": "paso_de_una_version_vieja", "case_id": 3})
    assert state["step"] == "vehicle" and "VIN" in outs[0].replies[0]


def test_curated_keywords_rank_the_fault_customers_mean():
    faults = [
        Fault("HYB-002", "Batería híbrida con baja capacidad", "hybrid", "La batería se descarga muy rápido."),
        Fault("ELE-002", "Alternador no carga", "electrical", "Testigo encendido con el motor en marcha.",
              keywords=("foquito de la bateria", "testigo bateria", "alternador")),
    ]
    text = "se prende el foquito de la batería con el motor prendido"
    assert parsing.match_faults(text, faults)[0] == "ELE-002"
    without = [Fault(f.code, f.name, f.system, f.symptoms) for f in faults]
    assert parsing.match_faults(text, without)[0] == "HYB-002"  # the keywords are what tips it


def test_the_first_messages_symptom_is_kept_and_confirmed():
    """Issue 12.10: what the customer said in the greeting is not asked for again after VIN and km."""
    faults = [*FAULTS, Fault("ENG-001", "Testigo de motor encendido", "motor", "foquito check engine prendido")]
    state, outs = talk(["hola, se me prendió el foquito del motor", "JTDKB20U993456789", "45000"],
                       context=Context(faults=faults))
    assert state["step"] == "confirm" and state["candidates"][0] == "ENG-001"
    after_km = " ".join(outs[2].replies)
    assert "se me prendió el foquito del motor" in after_km and "Testigo de motor encendido" in after_km
    assert MESSAGES["ask_symptom"] not in outs[2].replies
    assert outs[2].case_patch == {"odo_km": 45000, "description": "hola, se me prendió el foquito del motor"}
    state, outs = talk(["sí"], state=state, context=Context(faults=faults))
    assert outs[0].case_patch["falla_tipo"] == "ENG-001"


def test_a_bare_greeting_still_asks_for_the_symptom():
    state, outs = talk(["Buenas tardes", "JTDKB20U993456789", "45000"])
    assert state["step"] == "symptom" and outs[2].replies[-1] == MESSAGES["ask_symptom"]


def test_every_evidence_kind_of_the_catalog_has_a_spanish_label():
    """Issue 12.6: customers never read a code ("warning light photo", "scan report")."""
    import re
    from pathlib import Path

    from bridge.whatsapp.messages import EVIDENCE_LABELS, EVIDENCE_RECEIVED

    data = Path(__file__).resolve().parent.parent / "addons/postventa/data/postventa_evidence_type_data.xml"
    codes = re.findall(r'<field name="code">([^<]+)</field>', data.read_text(encoding="utf-8"))
    assert len(codes) >= 8
    assert [c for c in codes if c not in EVIDENCE_LABELS or c not in EVIDENCE_RECEIVED] == []
