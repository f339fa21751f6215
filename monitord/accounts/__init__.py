"""Named accounts with roles, their passwords, API tokens, sign-in sessions and audit log."""
