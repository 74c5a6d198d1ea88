import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("postventa_evaluate_case_tour", {
    url: "/odoo/action-postventa.postventa_case_action",
    steps: () => [
        {
            content: "Open the customer's case from the kanban",
            trigger: ".o_kanban_record:contains('Cliente Recorrido')",
            run: "click",
        },
        {
            content: "The case waits for its evaluation",
            trigger: ".o_form_view .o_field_widget[name=warranty_status]:contains('Pending')",
        },
        {
            content: "Evaluate the warranty",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_evaluate_warranty]",
            run: "click",
        },
        {
            content: "The decision shows in the form",
            trigger: ".o_form_view .o_field_widget[name=warranty_status]:contains('Eligible')",
        },
        {
            content: "With its reasons",
            trigger: ".o_form_view .o_field_widget[name=decision_reasons]:contains('basic'), .o_form_view .o_field_widget[name=decision_reasons]:contains('Cubierto')",
        },
        {
            content: "And the ribbon",
            trigger: ".o_form_view .ribbon:contains('Eligible')",
        },
        {
            content: "The warranty ticket is one click away",
            trigger: ".o_form_view button[name=action_view_tickets]",
            run: "click",
        },
        {
            content: "The ticket carries the fault",
            trigger: ".o_form_view .o_field_widget[name=fault_code]:contains('T-ELE-1')",
        },
    ],
});
