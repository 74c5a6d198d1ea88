from . import postventa_warranty_override
