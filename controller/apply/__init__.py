"""The executor: runs the steps of a Plan against the marketplace; the only writer."""
