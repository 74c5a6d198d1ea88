import { registry } from "@web/core/registry";

// One tour per role on the demo as it ships (Agencia Toyota Demo, es_MX, pesos), following a case
// through decision -> quote -> approval -> purchase order as that person does. Each screen is
// photographed by the test run (tests/screens.py): the step logs its name and waits for the shot.

function screen(name) {
    return {
        content: `Screenshot: ${name}`,
        trigger: "body",
        run: async () => {
            console.log(`postventa-screen:${name}`);
            const end = Date.now() + 15000;
            while (window.__postventaScreen !== name && Date.now() < end) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
        },
    };
}

const FORM = ".o_form_view";
const HEADER = `${FORM} .o_statusbar_buttons`;

// The one primary button of the form header is the next step.
function nextStep(name, label) {
    return {
        content: `The next step is "${label}", the only primary button`,
        trigger: `${HEADER}:not(:has(button.btn-primary:not([name=${name}]))) button.btn-primary[name=${name}]:contains('${label}')`,
    };
}

function openCard(code) {
    return {
        content: `Open the case of fault ${code} from the kanban`,
        trigger: `.o_kanban_record:contains('[${code}]')`,
        run: "click",
    };
}

const backToCases = {
    content: "Back to the cases (breadcrumb)",
    trigger: ".o_breadcrumb .breadcrumb-item a:contains('Casos de postventa')",
    run: "click",
};

const casesKanban = [
    {
        content: "The cases board in Spanish, one column per state",
        trigger: ".o_kanban_view .o_column_title:contains('Evaluado')",
    },
];

// ---------------------------------------------------------------------------------------------
// Advisor (asesor): records the evidence, evaluates, and when the customer accepts the approved
// quote confirms it (the purchase orders follow), then starts the work.
// ---------------------------------------------------------------------------------------------
registry.category("web_tour.tours").add("postventa_role_advisor_tour", {
    url: "/odoo/action-postventa.postventa_case_action",
    steps: () => [
        ...casesKanban,
        screen("asesor-casos"),
        openCard("ENG-001"),
        {
            content: "The case waits for evidence",
            trigger: `${FORM} .o_field_widget[name=warranty_status]:contains('Pendiente')`,
        },
        nextStep("action_evaluate_warranty", "Evaluar garantía"),
        {
            content: "The customer brought the evidence to the counter",
            trigger: `${HEADER} button[name=action_mark_evidence_provided]:contains('Evidencia recibida')`,
        },
        screen("asesor-caso-evidencia"),
        {
            content: "Record the evidence",
            trigger: `${HEADER} button[name=action_mark_evidence_provided]`,
            run: "click",
        },
        {
            content: "Nothing is missing any more",
            trigger: `${HEADER}:not(:has(button[name=action_mark_evidence_provided]))`,
        },
        nextStep("action_evaluate_warranty", "Evaluar garantía"),
        {
            content: "Evaluate the warranty",
            trigger: `${HEADER} button[name=action_evaluate_warranty]`,
            run: "click",
        },
        {
            content: "The odometer reading is lower than an earlier one: the warranty manager decides",
            trigger: `${FORM} .ribbon:contains('Revisión')`,
        },
        {
            content: "The reason reads in Spanish",
            trigger: `${FORM} .o_field_widget[name=decision_reasons]:contains('odómetro')`,
        },
        {
            content: "Overriding is not the advisor's to do",
            trigger: `${HEADER}:not(:has(button[name=action_open_override]))`,
        },
        screen("asesor-caso-revision"),
        backToCases,
        ...casesKanban,
        openCard("BRK-003"),
        {
            content: "Not covered: its quote is approved by purchasing",
            trigger: `${FORM} button[name=action_postventa_view_quotes]:contains('Aprobada')`,
        },
        {
            content: "Work starts only once the customer accepts the quote",
            trigger: `${HEADER}:not(:has(button[name=action_start]))`,
        },
        screen("asesor-caso-cotizado"),
        {
            content: "Open the quote",
            trigger: `${FORM} button[name=action_postventa_view_quotes]`,
            run: "click",
        },
        {
            content: "The quote is approved",
            trigger: `${FORM} .o_field_widget[name=postventa_approval_state]:contains('Aprobada')`,
        },
        {
            content: "Its total carries IVA 16 %",
            trigger: `${FORM} .o_field_widget[name=tax_totals]:contains('IVA 16%')`,
        },
        {
            content: "Sending it to the customer is the next step",
            trigger: `${HEADER} button.btn-primary[name=action_quotation_send]`,
        },
        screen("asesor-cotizacion-aprobada"),
        {
            content: "The customer accepted at the counter: confirm the quote",
            trigger: `${HEADER} button[name=action_confirm]:contains('Confirmar')`,
            run: "click",
        },
        {
            content: "It is a sales order now",
            trigger: `${FORM} .o_statusbar_status .o_arrow_button_current:contains('Orden de venta')`,
        },
        screen("asesor-orden-de-venta"),
        {
            content: "Back to the case",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('PV/')",
            run: "click",
        },
        nextStep("action_start", "Iniciar trabajo"),
        screen("asesor-caso-aceptado"),
        {
            content: "Start the work",
            trigger: `${HEADER} button[name=action_start]`,
            run: "click",
        },
        nextStep("action_done", "Marcar como terminado"),
        screen("asesor-caso-en-proceso"),
    ],
});

// ---------------------------------------------------------------------------------------------
// Warranty manager (garantias): takes the case waiting for review, reads why, overrides the
// decision with a reason; the warranty ticket opens with its costs from the catalog.
// ---------------------------------------------------------------------------------------------
registry.category("web_tour.tours").add("postventa_role_warranty_manager_tour", {
    url: "/odoo/action-postventa.postventa_case_action",
    steps: () => [
        ...casesKanban,
        screen("garantias-casos"),
        openCard("ELE-001"),
        {
            content: "The case is under review",
            trigger: `${FORM} .ribbon:contains('Revisión')`,
        },
        {
            content: "Because the delivery date is unknown",
            trigger: `${FORM} .o_field_widget[name=decision_reasons]:contains('entrega')`,
        },
        nextStep("action_open_override", "Corregir decisión"),
        screen("garantias-caso-revision"),
        {
            content: "Override the decision",
            trigger: `${HEADER} button[name=action_open_override]`,
            run: "click",
        },
        {
            content: "The wizard shows the current outcome",
            trigger: ".modal .o_field_widget[name=current_outcome]:contains('Revisión')",
        },
        {
            content: "Choose the new outcome",
            trigger: ".modal .o_field_widget[name=outcome] .o_select_menu .dropdown-toggle",
            run: "click",
        },
        {
            content: "Covered after all",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Elegible'):visible",
            run: "click",
        },
        {
            content: "With the reason",
            trigger: ".modal .o_field_widget[name=reason] textarea, .modal .o_field_widget[name=reason] input",
            run: "edit Factura de entrega revisada en agencia: vehículo dentro de la garantía básica.",
        },
        screen("garantias-correccion"),
        {
            content: "Record the override",
            trigger: ".modal footer button.btn-primary[name=action_apply]:contains('Registrar corrección')",
            run: "click",
        },
        {
            content: "The case is covered",
            trigger: `${FORM} .ribbon:contains('Elegible')`,
        },
        {
            content: "Its warranty work is under way",
            trigger: `${FORM} .o_statusbar_status .o_arrow_button_current:contains('En proceso')`,
        },
        nextStep("action_done", "Marcar como terminado"),
        screen("garantias-caso-elegible"),
        {
            content: "The warranty ticket is one click away",
            trigger: `${FORM} button[name=action_view_tickets]`,
            run: "click",
        },
        {
            content: "The ticket carries the fault",
            trigger: `${FORM} .o_field_widget[name=fault_code]:contains('ELE-001')`,
        },
        {
            content: "And its costs from the catalog: labour at the workshop rate",
            trigger: `${FORM} .o_field_widget[name=line_ids] .o_data_row:contains('Mano de obra')`,
        },
        screen("garantias-ticket"),
    ],
});

// ---------------------------------------------------------------------------------------------
// Purchasing approver (compras): approves the quote waiting for approval, reads why each supplier
// was chosen (costs in MXN), and confirms the purchase order of the quote the customer accepted.
// ---------------------------------------------------------------------------------------------
registry.category("web_tour.tours").add("postventa_role_purchasing_tour", {
    url: "/odoo/action-postventa.postventa_case_action",
    steps: () => [
        ...casesKanban,
        screen("compras-casos"),
        openCard("BRK-001"),
        {
            content: "Its quote waits for purchasing",
            trigger: `${FORM} button[name=action_postventa_view_quotes]:contains('Por aprobar')`,
        },
        screen("compras-caso"),
        {
            content: "Open the quote",
            trigger: `${FORM} button[name=action_postventa_view_quotes]`,
            run: "click",
        },
        {
            content: "The customer cannot see it until purchasing approves",
            trigger: ".o_form_view .alert-warning:contains('compras')",
        },
        nextStep("action_postventa_approve", "Aprobar cotización"),
        {
            content: "Rejecting it is offered too",
            trigger: `${HEADER} button[name=action_postventa_reject]:contains('Rechazar cotización')`,
        },
        screen("compras-cotizacion-por-aprobar"),
        {
            content: "Approve it",
            trigger: `${HEADER} button[name=action_postventa_approve]`,
            run: "click",
        },
        {
            content: "Approved",
            trigger: `${FORM} .o_field_widget[name=postventa_approval_state]:contains('Aprobada')`,
        },
        {
            content: "And locked: back to draft is offered instead of approval",
            trigger: `${HEADER}:not(:has(button[name=action_postventa_approve])) button[name=action_postventa_reset_approval]:contains('Volver a borrador')`,
        },
        screen("compras-cotizacion-aprobada"),
        backToCases,
        ...casesKanban,
        openCard("BRK-003"),
        {
            content: "The customer accepted this one: a purchase order went to the chosen supplier",
            trigger: `${FORM} button[name=action_postventa_view_purchases]`,
        },
        {
            content: "Open the quote to see why that supplier",
            trigger: `${FORM} button[name=action_postventa_view_quotes]`,
            run: "click",
        },
        {
            content: "The supplier choices tab",
            trigger: `${FORM} .o_notebook a.nav-link:contains('Elecciones de proveedor')`,
            run: "click",
        },
        {
            content: "Open the choice of the ABS sensor",
            trigger: `${FORM} .o_field_widget[name=postventa_choice_ids] .o_data_row:contains('Refaccionaria Express CDMX') td.o_data_cell`,
            run: "click",
        },
        {
            content: "It says when each offer arrives and what it costs, in pesos",
            trigger: ".modal .o_field_widget[name=reason]:contains('costo'):contains('MXN')",
        },
        screen("compras-eleccion-proveedor"),
        {
            content: "Close it",
            trigger: ".modal .modal-header .btn-close",
            run: "click",
        },
        {
            content: "Back on the quote",
            trigger: `body:not(:has(.modal)) ${FORM} button[name=action_postventa_view_purchases]`,
        },
        {
            content: "Open the purchase order",
            trigger: `${FORM} button[name=action_postventa_view_purchases]`,
            run: "click",
        },
        {
            content: "A request for quotation, not sent yet",
            trigger: `${FORM} .o_statusbar_status .o_arrow_button_current:contains('Solicitud de cotización')`,
        },
        screen("compras-solicitud"),
        {
            content: "Confirm the order with the supplier",
            trigger: `${HEADER} button[name=button_confirm]:visible`,
            run: "click",
        },
        {
            content: "It is a purchase order now",
            trigger: `${FORM} .o_statusbar_status .o_arrow_button_current:contains('Orden de compra')`,
        },
        screen("compras-orden-de-compra"),
    ],
});
