"""W3C Trace Context ids for cases: the same derivation as the bridge's ``bridge/tracing.py``, so Odoo's
outbox events carry the trace of the case they belong to without the id being passed around."""

import hashlib
import os


def case_trace_id(neon_id):
    """Trace id of the case with this Neon id (32 hex digits, never all zeros)."""
    digest = hashlib.sha256(f"postventa-case:{int(neon_id)}".encode()).hexdigest()[:32]
    return digest if digest.strip("0") else "1".rjust(32, "0")


def odoo_case_trace_id(case_id):
    """Trace id of a case created in Odoo, with no Neon id."""
    digest = hashlib.sha256(f"postventa-odoo-case:{int(case_id)}".encode()).hexdigest()[:32]
    return digest if digest.strip("0") else "1".rjust(32, "0")


def traceparent(trace_id):
    """``00-<trace id>-<fresh span id>-01``."""
    return f"00-{trace_id or os.urandom(16).hex()}-{os.urandom(8).hex()}-01"
