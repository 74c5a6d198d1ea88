import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("postventa_whatif_tour", {
    url: "/odoo/action-postventa.postventa_warranty_policy_action",
    steps: () => [
        {
            content: "Open the draft policy version",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('TOUR-48')",
            run: "click",
        },
        {
            content: "A draft can be simulated",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_simulation]",
            run: "click",
        },
        {
            content: "The period defaults to the last 12 months; run the simulation",
            trigger: ".modal footer button[name=action_simulate]",
            run: "click",
        },
        {
            content: "The flip matrix shows",
            trigger: ".modal .o_postventa_flip_matrix",
        },
        {
            content: "One case changes",
            trigger: ".modal .o_field_widget[name=flip_count]:contains('1')",
        },
        {
            content: "The flipped case with its old and new reasons",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Cliente Simulación'):contains('Cubierto')",
        },
        {
            content: "Open the exportable list",
            trigger: ".modal footer button[name=action_view_lines]",
            run: "click",
        },
        {
            content: "The list of flipped cases",
            trigger: ".o_list_view .o_data_row:contains('Cliente Simulación')",
        },
    ],
});
