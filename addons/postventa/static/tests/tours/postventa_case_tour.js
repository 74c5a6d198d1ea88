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
            content: "The case waits for its evaluation (the demo's users read Spanish)",
            trigger: ".o_form_view .o_field_widget[name=warranty_status]:contains('Pendiente')",
        },
        {
            content: "Evaluating is the next step: the one primary button",
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary[name=action_evaluate_warranty]:contains('Evaluar garantía')",
            run: "click",
        },
        {
            content: "The decision shows in the form",
            trigger: ".o_form_view .o_field_widget[name=warranty_status]:contains('Elegible')",
        },
        {
            content: "With its reasons",
            trigger: ".o_form_view .o_field_widget[name=decision_reasons]:contains('basic'), .o_form_view .o_field_widget[name=decision_reasons]:contains('Cubierto')",
        },
        {
            content: "And the ribbon",
            trigger: ".o_form_view .ribbon:contains('Elegible')",
        },
        {
            content: "Work on the ticket is under way: closing the case is the next step",
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary[name=action_done]",
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
