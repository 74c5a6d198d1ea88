"""Every message the customer reads, in Mexican Spanish, in one place.

Keys are stable names used by the code; values are ``str.format`` templates. Evidence codes
from the fault catalog get a human label from ``EVIDENCE_LABELS`` (unknown codes are shown
with underscores turned into spaces).
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # Intake
    "greeting": (
        "¡Hola{name}! 👋 Soy el asistente de postventa. Te ayudo a registrar tu caso de garantía o servicio.\n"
        "Para empezar, escríbeme el *VIN* (17 caracteres, viene en la tarjeta de circulación) "
        "o las *placas* de tu vehículo."
    ),
    "ask_vehicle": "Escríbeme el *VIN* (17 caracteres) o las *placas* de tu vehículo, por favor.",
    "vin_bad_length": (
        "Ese VIN tiene {length} caracteres y debe tener 17. Revísalo en la tarjeta de circulación "
        "o escríbeme tus placas."
    ),
    "vin_bad_chars": (
        "El VIN no lleva las letras I, O ni Q (se confunden con 1 y 0). ¿Me lo escribes de nuevo?"
    ),
    "vin_bad_check": (
        "El dígito verificador de ese VIN no coincide; puede haber un carácter equivocado. "
        "¿Me lo confirmas o me das tus placas?"
    ),
    "vehicle_ok_vin": "Perfecto, registré el VIN {vin}.",
    "vehicle_ok_plate_known": "Encontré tu vehículo con placas {plate} (VIN {vin}).",
    "vehicle_ok_plate_new": "Anoté las placas {plate}; un asesor confirmará los datos del vehículo.",
    "not_a_vehicle": (
        "No reconocí un VIN ni unas placas en tu mensaje. El VIN tiene 17 caracteres; "
        "las placas, entre 5 y 8 letras y números."
    ),
    "ask_odometer": "¿Cuántos kilómetros marca el odómetro? (solo el número, por ejemplo 45000)",
    "bad_odometer": "No entendí el kilometraje. Escríbelo solo con números, por ejemplo 45000.",
    "odometer_ok": "Gracias, {km:,} km.",
    "ask_symptom": "Cuéntame con tus palabras qué le pasa al vehículo (qué notas, cuándo ocurre).",
    "symptom_kept": "Me comentaste: «{text}».",
    "symptom_too_short": "Cuéntame un poco más de la falla, por favor (qué notas y cuándo ocurre).",
    "confirm_fault": "Entiendo que se trata de: *{name}*. ¿Es correcto? Responde *sí* o *no*.",
    "choose_fault": "¿Cuál de estas opciones describe mejor la falla? Responde con el número:\n{options}\n{other}",
    "choose_fault_other": "{n}. Otra / no estoy seguro",
    "fault_unclassified": "De acuerdo, un asesor clasificará la falla con tu descripción.",
    "ask_evidence": "Para tu caso necesito: {items}. Envíame ahora {next}.",
    "ask_evidence_next": "Ahora envíame {next}.",
    "evidence_received": "Recibí {what} ✅.",
    "evidence_extra": "Recibí {count} archivo(s) adicional(es); los agrego a tu caso.",
    "evidence_duplicate": "Ese archivo ya lo había recibido ({what}); no lo cuento dos veces.",
    "evidence_processing": "Estoy guardando tus archivos; en un momento te confirmo.",
    "evidence_still_missing": "Aún me falta: {items}.",
    "evidence_need_media": "Para continuar necesito {next}. Envíalo como foto o video en este chat.",
    "case_complete": (
        "¡Listo! Tu caso *#{case_id}* está completo y pasa a revisión de garantía. "
        "Te avisaré por aquí en cuanto haya una resolución."
    ),
    "media_failed": (
        "No pude guardar {what} ({reason}). ¿Me lo reenvías, por favor? "
        "Fotos hasta 5 MB; videos hasta 16 MB."
    ),
    "media_ignored_before_case": "Recibí tu archivo; lo guardo. Primero necesito los datos del vehículo.",
    "too_many_attempts": "Parece que no nos estamos entendiendo. {handoff}",
    # Commands
    "menu": (
        "Menú:\n1. Registrar un caso nuevo\n2. Estado de mi caso\n3. Preguntar sobre mi vehículo\n"
        "4. Hablar con un asesor\nEn cualquier momento puedes escribir *cancelar*."
    ),
    "cancelled": "Listo, cancelé el registro. Si necesitas algo más, escríbeme cuando quieras.",
    "nothing_to_cancel": "No tienes ningún registro en curso. Escribe *menú* para ver opciones.",
    "handoff": "Te comunico con un asesor; te escribirá por este medio en horario de atención.",
    "ask_question": "Claro, escribe tu pregunta sobre el vehículo.",
    "question_searching": "Buscando en el manual… te respondo en un momento.",
    "question_answer": "Según el manual ({source}):\n{answer}",
    "question_no_answer": "No encontré eso en los manuales. Te comunico con un asesor.",
    "status_none": "No tienes casos registrados. Escribe *1* para registrar uno.",
    "status_case": "Tu caso *#{case_id}*: {status}.",
    "status_label_open": "en registro",
    "status_label_complete": "en revisión de garantía",
    "status_label_handoff": "con un asesor",
    "status_label_cancelled": "cancelado",
    "status_label_closed": "cerrado",
    "idle": "Tu caso *#{case_id}* está en revisión. Escribe *menú* para ver opciones.",
    "empty_body": "No recibí texto. Escribe *menú* para ver opciones.",
    "unsupported_sender": "Este número solo atiende mensajes de WhatsApp.",
    "too_long": "Tu mensaje es muy largo; lo guardé completo. ",
    # Outcomes (sent from the outbox)
    "warranty_eligible": (
        "Buenas noticias: la garantía *aplica* para tu caso #{case_id}. Número de ticket: *{ticket}*. "
        "Te contactaremos para agendar la reparación."
    ),
    "warranty_no_eligible": (
        "Revisamos tu caso #{case_id}: la *garantía no aplica*.\nMotivo: {reasons}\n{parts}"
        "¿Quieres que te enviemos una cotización? Responde *cotizar*."
    ),
    "warranty_parts_line": "• {name}: {supplier}, {price} {currency}{stock}\n",
    "warranty_parts_header": "Refacciones sugeridas:\n",
    "warranty_owner_unverified": (
        "Recibimos tu caso #{case_id}. Para proteger los datos de cada cliente, un asesor confirmará que el "
        "vehículo es tuyo antes de darte una respuesta; te contactaremos por aquí."
    ),
    "warranty_review": (
        "Tu caso #{case_id} requiere revisión de un especialista; una persona lo revisará "
        "y te avisaremos por aquí."
    ),
    "quote_requested": "Anotado: pedimos tu cotización; te la enviamos en cuanto esté lista.",
    "quote_approved": (
        "Tu cotización para el caso #{case_id} está lista: *{amount} {currency}*.\nIncluye: {includes}\n"
        "Para aceptarla responde *acepto*{portal}."
    ),
    "quote_portal": " o ábrela aquí: {url}",
    "quote_accepted": "¡Gracias! Registramos tu aceptación de la cotización del caso #{case_id}.",
    "quote_nothing": "No tienes cotizaciones pendientes de aceptar.",
    "service_done": (
        "Tu servicio del caso #{case_id} quedó listo. ¡Gracias por tu confianza! "
        "¿Cómo calificarías la atención del 1 (mala) al 5 (excelente)?"
    ),
    "csat_thanks": "¡Gracias por tu calificación de {score}! Nos ayuda a mejorar.",
    "csat_invalid": "Responde con un número del 1 al 5, por favor.",
    # follow-up agents (Odoo's followup.sent; template variables {1}, {2}, {3} in the same order)
    "followup_service_due": (
        "Hola, a tu {vehicle} le toca su servicio de {milestone} km alrededor del {due_date}. "
        "Responde *agendar* y tu día/hora preferidos para apartarte un lugar, o *ya lo hice* si ya lo hiciste. "
        "Para no recibir más recordatorios responde *baja*."
    ),
    "followup_csat_request": (
        "Gracias por traer tu {vehicle} a servicio. ¿Cómo calificarías la atención del 1 (mala) al 5 (excelente)?"
    ),
    "followup_coverage_inspection": (
        "La garantía básica de tu {vehicle} termina el {ends}. Te ofrecemos una inspección sin costo antes de "
        "esa fecha para encontrar cualquier falla cubierta. Responde *agendar* y tu día/hora preferidos."
    ),
    "followup_quote_reminder": (
        "Tu cotización {quote} sigue disponible. Para aceptarla responde *acepto* o ábrela aquí: {url}"
    ),
    "followup_intake_nudge": (
        "Tu caso {case} quedó a medias. Cuando puedas, responde aquí para continuar donde te quedaste."
    ),
    "followup_scheduled": "¡Listo! Un asesor de servicio te contactará para confirmar tu cita ({when}).",
    "followup_already_done": "¡Gracias! Anotamos que tu servicio ya está hecho.",
    "consent_off": (
        "Listo, ya no te enviaremos recordatorios ni encuestas. Si cambias de opinión responde *alta*."
    ),
    "consent_on": "¡Bienvenido de vuelta! Volverás a recibir recordatorios de servicio.",
}

# Fragments used inside other messages.
FRAGMENTS: dict[str, str] = {
    "reason_download": "hubo un problema al descargarlo",
    "reason_processing": "hubo un problema al procesarlo",
    "reason_type": "ese tipo de archivo no lo puedo recibir; envía fotos, videos, audios o PDF",
    "reason_size": "el archivo pesa más de {mb} MB",
    "reason_corrupt": "el archivo parece dañado",
    "your_file": "tu archivo",
    "ticket_pending": "por asignar",
    "no_eligible_default": "no cumple la póliza de garantía",
    "part_default": "Refacción",
    "supplier_default": "proveedor",
    "in_stock": ", en existencia",
    "on_order": ", sobre pedido",
    "amount_pending": "por confirmar",
    "quote_default_includes": "refacciones y mano de obra",
    "handoff_hint": "Escribe *asesor* y te comunico con una persona.",
    # Notes for the advisor (stored with the handoff, not sent to the customer).
    "note_menu_handoff": "menú: hablar con un asesor",
    "note_unanswered": "pregunta sin respuesta: {question}",
}

EVIDENCE_LABELS: dict[str, str] = {
    "odometer_photo": "una foto del odómetro",
    "vin_photo": "una foto del VIN (parabrisas o puerta)",
    "plate_photo": "una foto de las placas",
    "noise_video": "un video donde se escuche el ruido",
    "damage_photo": "una foto del daño",
    "part_photo": "una foto de la pieza",
    "leak_photo": "una foto de la fuga",
    "dashboard_photo": "una foto del tablero con los testigos encendidos",
    "tire_photo": "una foto de la llanta",
    "invoice_photo": "una foto de la factura",
    "service_book_photo": "una foto de la póliza de servicio",
    "warning_light_photo": "una foto de los testigos encendidos en el tablero",
    "service_record": "el comprobante del último servicio (póliza o factura)",
    "scan_report": "el reporte del escáner con los códigos de falla",
}

# How a received file is acknowledged ("Recibí la foto del odómetro").
EVIDENCE_RECEIVED: dict[str, str] = {
    "odometer_photo": "la foto del odómetro",
    "vin_photo": "la foto del VIN",
    "plate_photo": "la foto de las placas",
    "noise_video": "el video del ruido",
    "damage_photo": "la foto del daño",
    "part_photo": "la foto de la pieza",
    "leak_photo": "la foto de la fuga",
    "dashboard_photo": "la foto del tablero",
    "tire_photo": "la foto de la llanta",
    "invoice_photo": "la foto de la factura",
    "service_book_photo": "la foto de la póliza de servicio",
    "warning_light_photo": "la foto de los testigos",
    "service_record": "el comprobante del servicio",
    "scan_report": "el reporte del escáner",
}


def msg(key: str, **values: object) -> str:
    return (MESSAGES.get(key) or FRAGMENTS[key]).format(**values)


def evidence_label(code: str) -> str:
    return EVIDENCE_LABELS.get(code) or code.replace("_", " ")


def evidence_received(code: str) -> str:
    return EVIDENCE_RECEIVED.get(code) or code.replace("_", " ")


def evidence_list(codes: list[str], label=evidence_label) -> str:
    labels = [label(c) for c in codes]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " y " + labels[-1]


def status_label(status: str | None) -> str:
    key = f"status_label_{status}"
    return MESSAGES.get(key, status or "en registro")
