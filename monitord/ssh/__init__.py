"""SSH access to servers without an agent: a connection pool with host key checks and
incremental log reading, shared by the ssh_log and backup probes (the log pattern rules
they apply live in ``monitord.logrules``)."""
