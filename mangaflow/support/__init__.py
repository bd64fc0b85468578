"""Support: multi-tenant support agents with grounded answers and tickets (the fourth product)."""
