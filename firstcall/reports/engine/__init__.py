"""Report arithmetic: pure functions over plain numbers (no Django), so every ratio is tested by hand."""
