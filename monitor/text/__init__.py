"""Words as matching and grouping read them: normalised tokens and stop words."""
