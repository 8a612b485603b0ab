"""HTML views: the AP inbox and invoice page, payment runs, and the supplier side."""
