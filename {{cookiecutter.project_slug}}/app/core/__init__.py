"""Framework-free pieces every layer may use: settings, errors, domain types, security."""
