from django.urls import path

from invoicing.api import views

urlpatterns = [
    path("invoices/", views.InvoiceListCreateApi.as_view(), name="api-invoices"),
    path("invoices/bulk/", views.InvoiceBulkCreateApi.as_view(), name="api-invoices-bulk"),
    path("invoices/<uuid:public_id>/", views.InvoiceDetailApi.as_view(), name="api-invoice"),
    path(
        "invoices/<uuid:public_id>/report.<str:fmt>",
        views.InvoiceReportApi.as_view(),
        name="api-invoice-report",
    ),
    path(
        "invoices/<uuid:public_id>/<str:action>/",
        views.InvoiceActionApi.as_view(),
        name="api-invoice-action",
    ),
]
