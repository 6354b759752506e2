"""The narrated demo network that ``make run`` founds and serves."""
