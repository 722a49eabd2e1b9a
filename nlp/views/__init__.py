"""Human-facing renderings of result records (terminal; HTML comes later)."""
