"""Alert engine: rules, alert state, tickets and notifications."""
