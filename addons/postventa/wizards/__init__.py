from . import (
    postventa_warranty_override,
    postventa_warranty_policy_activation,
    postventa_warranty_simulation,
    postventa_whatsapp_reply,
)
