from django.urls import include, path

from invoicing.views import ap, supplier

urlpatterns = [
    path("api/", include("invoicing.api.urls")),
    path("ap/", ap.inbox, name="ap-inbox"),
    path("ap/upload/", ap.upload, name="ap-upload"),
    path("ap/bulk/", ap.bulk, name="ap-bulk"),
    path("ap/jobs/<uuid:public_id>/", ap.bulk_progress, name="ap-bulk-progress"),
    path("ap/payment-runs/", ap.payment_runs, name="ap-payment-runs"),
    path(
        "ap/payment-runs/<uuid:public_id>/<str:kind>/",
        ap.payment_run_file,
        name="ap-payment-run-file",
    ),
    path("ap/invoices/<uuid:public_id>/", ap.invoice_page, name="ap-invoice"),
    path("ap/invoices/<uuid:public_id>/original/", ap.invoice_document, name="ap-invoice-original"),
    path(
        "ap/invoices/<uuid:public_id>/report.<str:fmt>", ap.invoice_report, name="ap-invoice-report"
    ),
    path("ap/invoices/<uuid:public_id>/<str:action>/", ap.invoice_action, name="ap-invoice-action"),
    path("supplier/invoices/", supplier.supplier_home, name="supplier-invoices"),
    path(
        "supplier/contracts/<int:contract_id>/invoice/",
        supplier.supplier_invoice_new,
        name="supplier-invoice-new",
    ),
    path("supplier/invoices/<uuid:public_id>/", supplier.supplier_invoice, name="supplier-invoice"),
]
