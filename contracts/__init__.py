"""Special-purpose token policies and contract templates (issue 7)."""
