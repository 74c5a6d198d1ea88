# Plain-Python core of the addon: no Odoo imports here, so it is unit-testable without a database.
