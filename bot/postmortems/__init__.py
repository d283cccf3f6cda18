"""Post-mortems and their action items (issue 12)."""
