"""drafter batch: many deals from a CRM export (see docs/batch.md)."""
