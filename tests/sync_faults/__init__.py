"""The faults of issue 10 the outbox must survive, each losing nothing and doubling nothing."""
