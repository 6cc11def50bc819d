"""Cache adapters implementing the services' Cache port: in-process memory or Redis."""
