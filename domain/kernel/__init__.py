"""The kernel every capability stands on: the clock, the audit log (台账的依据), the outbox of
notices, claims of update ids (each update takes effect once), settings learnt at run time, and
China's working-day calendar."""
