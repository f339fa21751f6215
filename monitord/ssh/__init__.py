"""SSH access to servers without an agent: a connection pool with host key checks,
incremental log reading and pattern rules, shared by the ssh_log and backup probes."""
