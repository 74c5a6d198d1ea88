import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("postventa_purchase_approve_quote_tour", {
    steps: () => [
        {
            content: "The case shows its quote, waiting for approval",
            trigger: ".o_form_view button[name=action_postventa_view_quotes]:contains('Por aprobar')",
        },
        {
            content: "Open the quote from the case's smart button",
            trigger: ".o_form_view button[name=action_postventa_view_quotes]",
            run: "click",
        },
        {
            content: "The quote lists the supplier chosen by SLA",
            trigger: ".o_form_view .o_field_one2many[name=order_line] td[name=postventa_vendor_id]:contains('Proveedor Recorrido')",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_postventa_approve]",
            run: "click",
        },
        {
            content: "The quote is approved",
            trigger: ".o_form_view .o_field_widget[name=postventa_approval_state]:contains('Aprobada')",
        },
        {
            content: "And locked: back to draft is offered instead of approval",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_postventa_reset_approval]",
        },
    ],
});
