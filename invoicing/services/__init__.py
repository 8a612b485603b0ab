"""State-changing operations of the invoicing app, one module per concern."""
