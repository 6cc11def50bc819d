"""The authn app: refresh-token families."""
