"""The bridge's side of postventa.case: batch methods called over JSON-2 (docs/odoo-bridge-contract.md).

Identity rule (docs/security.md): a WhatsApp number is linked to a customer only by data the dealer
trusts: the customer's phone on file, or a warranty manager's confirmation (``action_confirm_owner``).
A VIN or plate alone never makes its owner the customer of a case: a case whose vehicle belongs to
someone whose phone is not the sender's is ``owner_unverified`` (its customer stays the sender's own
contact) and the warranty engine sends it to review with the ``owner_unverified`` reason.
"""

import base64
import binascii
import hashlib
import re
from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine import vin as vin_rules

MAX_BATCH = 500
NEON_STATUSES = {"open", "handoff", "cancelled", "complete"}
_IDENTITY_FIELDS = {"owner_unverified", "owner_confirmed_by_id"}


def file_problem(item, every, noun):
    """Why a file the bridge sends cannot be taken, or None: it needs a lowercase hex sha256 and, when its
    bytes come along (``datas``), valid base64 whose sha256 is that one. ``every``/``noun`` name it in the
    message ("every attachment needs ...", "attachment <sha> is not valid base64")."""
    sha = item.get("sha256") if isinstance(item, dict) else None
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        return f"every {every} needs a lowercase hex sha256"
    if item.get("datas"):
        try:
            raw = base64.b64decode(item["datas"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            return f"{noun} {sha} is not valid base64"
        if hashlib.sha256(raw).hexdigest() != sha:
            return f"{noun} bytes do not match their sha256 {sha}"
    return None


def phone_key(phone):
    """Digits that identify a Mexican/E.164 number whatever its formatting (+52 1 55… = +52 55… = 55…)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("521"):
        digits = "52" + digits[3:]  # the mobile "1" WhatsApp still sends for Mexico
    if len(digits) == 10:
        digits = "52" + digits
    return digits if len(digits) >= 8 else ""


class PostventaCase(models.Model):
    _inherit = "postventa.case"

    owner_unverified = fields.Boolean(
        string="Unverified Owner", readonly=True, copy=False,
        help="The WhatsApp number is not the vehicle owner's phone on file and nobody confirmed it: "
             "the warranty goes to review and the customer is told nothing about the vehicle.",
    )
    owner_confirmed_by_id = fields.Many2one("res.users", readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        if any(_IDENTITY_FIELDS & set(vals) for vals in vals_list) and not self.env.su:
            raise AccessError(self.env._("Only the bridge or the Confirm Owner action may change the owner check."))
        return super().create(vals_list)

    def write(self, vals):
        if _IDENTITY_FIELDS & set(vals) and not self.env.su:
            raise AccessError(self.env._("Only the bridge or the Confirm Owner action may change the owner check."))
        return super().write(vals)

    def action_confirm_owner(self):
        """A warranty manager checked that the WhatsApp sender is the vehicle's owner (or acts for them)."""
        if not self.env.user.has_group("postventa.group_postventa_warranty_manager"):
            raise AccessError(self.env._("Only a warranty manager may confirm a vehicle's owner."))
        cases = self.filtered("owner_unverified")
        cases.check_access("write")
        for case in cases:
            case.sudo().write({
                "owner_unverified": False,
                "owner_confirmed_by_id": self.env.user.id,
                "partner_id": (case.vehicle_id.partner_id or case.partner_id).id,
            })
            case.message_post(body=self.env._("Owner confirmed by %(user)s for WhatsApp %(phone)s.",
                                              user=self.env.user.name, phone=case.whatsapp_contact or "-"))
        decided = cases.filtered(lambda c: c.state in ("evaluated", "in_progress") or c.is_ready)
        if decided:
            decided.action_evaluate_warranty()
        return True

    @api.model
    def _check_bridge_access(self):
        if not (
            self.env.su
            or self.env.user.has_group("postventa.group_postventa_integration")
            or self.env.user.has_group("postventa.group_postventa_admin")
        ):
            raise AccessError(self.env._("Only the integration user may call the bridge methods."))

    # --- Neon -> Odoo -----------------------------------------------------------------------
    @api.model
    def bridge_upsert_cases(self, records):
        """Create or update cases keyed on their Neon id; one transaction for the whole batch.

        Returns one entry per input record, in order: ``{"neon_id", "id", "name", "created"}``
        or ``{"neon_id", "error"}`` for a record that could not be taken (the rest still is).
        """
        self._check_bridge_access()
        if not isinstance(records, list):
            raise ValidationError(self.env._("records must be a list."))
        if len(records) > MAX_BATCH:
            raise ValidationError(self.env._("At most %(max)s records per call.", max=MAX_BATCH))
        # Bridge-created records skip the "created" chatter line (the case's tracking still logs changes),
        # and the advisor each new case is given follows it without an "assigned to you" e-mail per case:
        # rendering that e-mail cost ~80 ms a case (a 10,000-case sync went from 12 s to 525 s of Odoo time)
        # and a busy WhatsApp day would flood the advisors' inboxes; their cases are in "My cases".
        env = self.sudo().with_context(mail_create_nolog=True, mail_create_nosubscribe=True,
                                       mail_auto_subscribe_no_notify=True).env
        Case = env["postventa.case"]
        clean, results, seen = [], [None] * len(records), set()
        for index, record in enumerate(records):
            problem = self._bridge_record_problem(record)
            if not problem and record["neon_id"] in seen:
                problem = "neon_id appears twice in this batch"
            if problem:
                neon_id = record.get("neon_id") if isinstance(record, dict) else None
                results[index] = {"neon_id": neon_id, "error": problem}
            else:
                seen.add(record["neon_id"])
                clean.append((index, record))
        neon_ids = [int(r["neon_id"]) for _i, r in clean]
        existing = {c.neon_id: c for c in Case.search([("neon_id", "in", neon_ids)])}
        vehicles = self._bridge_vehicles([r for _i, r in clean])
        faults = {
            f.code: f
            for f in env["postventa.fault"].search([("code", "in", [
                (r.get("falla_tipo") or "").strip().upper() for _i, r in clean
            ])])
        }
        partners, unverified = self._bridge_partners([r for _i, r in clean], vehicles)
        to_create, to_update = [], []
        for index, record in clean:
            neon_id = int(record["neon_id"])
            vals = dict(self._bridge_case_vals(record, vehicles, faults, partners),
                        owner_unverified=unverified[neon_id])
            case = existing.get(neon_id)
            if case:
                if case.owner_confirmed_by_id:  # a person's confirmation outlasts later syncs
                    vals.pop("partner_id")
                    vals.pop("owner_unverified")
                to_update.append((index, case, vals))
            else:
                to_create.append((index, dict(vals, neon_id=neon_id)))
        created = Case.create([vals for _i, vals in to_create]) if to_create else Case
        for (index, _vals), case in zip(to_create, created, strict=True):
            results[index] = {"neon_id": case.neon_id, "id": case.id, "name": case.name, "created": True}
        for index, case, vals in to_update:
            changed = {k: v for k, v in vals.items() if case._bridge_differs(k, v)}
            if changed:
                case.write(changed)
            results[index] = {"neon_id": case.neon_id, "id": case.id, "name": case.name, "created": False}
        touched = created | Case.browse([case.id for _i, case, _v in to_update])
        for index, record in clean:
            case = touched.browse(results[index]["id"])
            case._bridge_attach(record.get("attachments") or [])
            case._bridge_mark_evidence(record.get("evidence_provided") or [])
        ready = touched.filtered("is_ready")
        if ready:
            ready.action_evaluate_warranty()
        return results

    @api.model
    def _bridge_record_problem(self, record):
        if not isinstance(record, dict):
            return "record must be an object"
        neon_id = record.get("neon_id")
        if isinstance(neon_id, bool) or not isinstance(neon_id, int) or neon_id <= 0:
            return "neon_id must be a positive integer"
        odo = record.get("odo_km")
        if odo is not None and (isinstance(odo, bool) or not isinstance(odo, int) or odo < 0 or odo > 2_000_000):
            return "odo_km must be an integer between 0 and 2,000,000"
        for key in ("contact_id", "customer_name", "vin", "plate", "falla_tipo", "description", "status"):
            if record.get(key) is not None and not isinstance(record[key], str):
                return f"{key} must be a string"
        if record.get("status") and record["status"] not in NEON_STATUSES:
            return f"status must be one of {sorted(NEON_STATUSES)}"
        for attachment in record.get("attachments") or []:
            problem = file_problem(attachment, "attachment", "attachment")
            if problem:
                return problem
        return None

    @api.model
    def _bridge_vehicles(self, records):
        vins = {vin_rules.normalize(r.get("vin")) for r in records if r.get("vin")}
        plates = {r["plate"].strip().upper() for r in records if r.get("plate")}
        found = self.env["postventa.vehicle"].sudo().search(
            ["|", ("vin", "in", list(vins)), ("plate", "in", list(plates))]
        )
        index = {("vin", v.vin): v for v in found}
        index.update({("plate", v.plate): v for v in found if v.plate})
        return index

    @api.model
    def _bridge_partners(self, records, vehicles):
        """Customers by WhatsApp number, and whether each case's vehicle is the sender's (identity rule).

        Returns ``({neon_id: partner}, {neon_id: owner_unverified})``. The vehicle's owner is the customer
        only when the sender's number is the owner's phone on file (or one of the owner company's
        contacts'); otherwise the customer is the sender's own contact (found by phone, or created).
        """
        Partner = self.env["res.partner"].sudo()
        phones = {r["contact_id"].removeprefix("whatsapp:") for r in records if r.get("contact_id")}
        known = {p.phone: p for p in Partner.search([("phone", "in", list(phones))])} if phones else {}
        owners, by_phone, new_contacts, unverified = {}, {}, {}, {}
        for record in records:
            neon_id = int(record["neon_id"])
            phone = (record.get("contact_id") or "").removeprefix("whatsapp:")
            vehicle = self._bridge_vehicle_for(record, vehicles)
            unverified[neon_id] = bool(vehicle) and bool(phone) and not self._bridge_is_owner(vehicle, phone)
            if vehicle.partner_id and not unverified[neon_id]:
                owners[neon_id] = vehicle.partner_id
            elif phone:
                by_phone[neon_id] = phone
                if phone not in known:
                    new_contacts.setdefault(phone, record.get("customer_name") or phone)
        if new_contacts:  # one create for the whole batch
            created = Partner.with_context(mail_create_nolog=True).create(
                [{"name": name, "phone": phone} for phone, name in new_contacts.items()]
            )
            known.update(zip(new_contacts, created, strict=True))
        return {**owners, **{neon_id: known[phone] for neon_id, phone in by_phone.items()}}, unverified

    @api.model
    def _bridge_is_owner(self, vehicle, phone):
        """The sender's number is the owner's phone on file (the owner, its company or the company's contacts)."""
        owner = vehicle.partner_id.sudo()
        if not owner:
            return False
        people = owner | owner.commercial_partner_id | owner.commercial_partner_id.child_ids
        key = phone_key(phone)
        return bool(key) and key in {phone_key(p.phone) for p in people if p.phone}

    @api.model
    def _bridge_vehicle_for(self, record, vehicles):
        vehicle = vehicles.get(("vin", vin_rules.normalize(record.get("vin")))) if record.get("vin") else None
        if not vehicle and record.get("plate"):
            vehicle = vehicles.get(("plate", record["plate"].strip().upper()))
        return vehicle or self.env["postventa.vehicle"]

    @api.model
    def _bridge_case_vals(self, record, vehicles, faults, partners):
        vehicle = self._bridge_vehicle_for(record, vehicles)
        code = (record.get("falla_tipo") or "").strip().upper()
        partner = partners.get(int(record["neon_id"]))
        vals = {
            "whatsapp_contact": (record.get("contact_id") or "").removeprefix("whatsapp:") or False,
            "vin_reported": record.get("vin") or False,
            "plate_reported": record.get("plate") or False,
            "vehicle_id": vehicle.id or False,
            "company_id": vehicle.company_id.id or self.env.company.id,
            "partner_id": partner.id if partner else False,
            "odometer_km": record.get("odo_km") or 0,
            "fault_id": faults[code].id if code in faults else False,
            "fault_code_reported": code or False,
            "description": record.get("description") or False,
        }
        if record.get("status") == "cancelled":
            vals["state"] = "cancelled"
        return vals

    def _bridge_differs(self, field_name, value):
        current = self[field_name]
        if isinstance(current, models.BaseModel):
            return current.id != (value or False) and not (not current and not value)
        return (current or False) != (value or False)

    def _bridge_attach(self, attachments):
        """Add attachments once per sha256 per case; bytes are checked against their hash."""
        self.ensure_one()
        if not attachments:
            return
        Attachment = self.env["ir.attachment"].sudo()
        have = set(Attachment.search([
            ("res_model", "=", self._name), ("res_id", "=", self.id), ("postventa_sha256", "!=", False),
        ]).mapped("postventa_sha256"))
        vals_list, kinds = [], []
        for item in attachments:
            sha = item["sha256"]
            if sha in have:
                kinds.append((item.get("evidence_kind"), Attachment.search([
                    ("res_model", "=", self._name), ("res_id", "=", self.id), ("postventa_sha256", "=", sha),
                ], limit=1)))
                continue
            if not item.get("datas"):
                continue  # bytes not sent yet: the bridge sends them with the next pass
            raw = base64.b64decode(item["datas"])  # checked against its sha256 in _bridge_record_problem
            have.add(sha)
            vals_list.append({
                "name": item.get("filename") or sha[:12],
                "raw": raw,
                "mimetype": item.get("content_type") or "application/octet-stream",
                "res_model": self._name,
                "res_id": self.id,
                "postventa_sha256": sha,
                "postventa_evidence_kind": item.get("evidence_kind") or False,
            })
        created = Attachment.create(vals_list) if vals_list else Attachment
        for attachment in created:
            kinds.append((attachment.postventa_evidence_kind, attachment))
        for kind, attachment in kinds:
            if kind:
                self._bridge_mark_evidence([kind], attachment)

    def _bridge_mark_evidence(self, codes, attachment=None):
        self.ensure_one()
        lines = self.evidence_ids.filtered(lambda e: e.code in codes and not e.provided)
        if lines:
            lines.write({
                "provided": True, "provided_date": fields.Datetime.now(),
                "attachment_id": attachment.id if attachment else False,
            })

    # --- Odoo -> Neon -------------------------------------------------------------------------
    @api.model
    def bridge_changes(self, since=None, limit=500, after_id=0, stamps_only=False, case_ids=None):
        """Cases changed since a (write_date, id) keyset cursor, oldest first.

        ``stamps_only``: only ``id`` and ``write_date`` per record (the bridge re-reads its overlap window
        this way and fetches in full only what changed); ``case_ids``: only these cases (not ``ids``:
        JSON-2 reserves it for the records a method is called on)."""
        self._check_bridge_access()
        limit = max(1, min(int(limit or 500), 20000 if stamps_only else 5000))
        since_dt = None
        if since:
            try:
                since_dt = datetime.fromisoformat(str(since).replace("Z", "+00:00")).replace(tzinfo=None)
            except ValueError as exc:
                raise ValidationError(self.env._("since must be an ISO-8601 datetime.")) from exc
        if case_ids is not None and (
            not isinstance(case_ids, list) or not all(isinstance(i, int) for i in case_ids)
        ):
            raise ValidationError(self.env._("case_ids must be a list of integers."))
        # Keyset on (write_date, id) in SQL: the ORM rounds datetimes to whole seconds.
        self.env["postventa.case"].flush_model(["write_date"])
        where, params = [], []
        if since_dt:
            where.append("(write_date, id) > (%s, %s)")
            params += [since_dt, int(after_id or 0)]
        if case_ids is not None:
            where.append("id = ANY(%s)")
            params.append(case_ids)
        self.env.cr.execute(
            "SELECT id, write_date FROM postventa_case"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY write_date, id LIMIT %s",
            (*params, limit),
        )
        rows = self.env.cr.fetchall()
        if stamps_only:
            records = [{"id": row[0], "write_date": self._bridge_ts(row[1])} for row in rows]
        else:
            cases = self.sudo().browse([row[0] for row in rows])
            records = [
                dict(case._bridge_change_dict(), write_date=self._bridge_ts(write_date))
                for case, (_id, write_date) in zip(cases, rows, strict=True)
            ]
        return {
            "records": records,
            "next": {"since": self._bridge_ts(rows[-1][1]), "after_id": rows[-1][0]} if rows else None,
            "server_time": self._bridge_ts(fields.Datetime.now()),
        }

    @api.model
    def _bridge_ts(self, value):
        return value.isoformat(timespec="microseconds") + "Z" if value else None

    def _bridge_change_dict(self):
        self.ensure_one()
        return {
            "id": self.id,
            "neon_id": self.neon_id or None,
            "name": self.name,
            "state": self.state,
            "warranty_status": self.warranty_status,
            "write_date": self._bridge_ts(self.write_date),
            "decision": self.decision_id._bridge_dict() if self.decision_id else None,
            "ticket": self.ticket_id._bridge_dict() if self.ticket_id else None,
            "quote": self._bridge_quote_dict(),
        }

    def _bridge_quote_dict(self):
        """Quote state for the bridge; the spare-parts module fills it in."""
        return None

    def _bridge_touch(self):
        """Make the bridge see these cases again (a related document changed)."""
        self.sudo().write({"bridge_touched_at": fields.Datetime.now()})

    @api.model
    def bridge_handoff(self, neon_id, note=None):
        """The customer asked for a person on WhatsApp: an activity for the case's responsible."""
        self._check_bridge_access()
        case = self.sudo().search([("neon_id", "=", int(neon_id))], limit=1)
        if not case:
            raise ValidationError(self.env._("No case is bound to Neon id %(id)s.", id=neon_id))
        case.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._("Customer asked for an advisor on WhatsApp"),
            note=note or False,
            user_id=(case.user_id or case._warranty_manager() or self.env.user).id,
        )
        case.env["postventa.event"]._emit("case.handoff", case, {"case": case.name, "neon_id": case.neon_id,
                                                                 "note": note or None})
        return {"id": case.id, "name": case.name}
