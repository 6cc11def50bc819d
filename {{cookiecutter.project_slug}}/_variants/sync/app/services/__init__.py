"""Business rules. No web framework here: the API layer wires these with their ports."""
