-- Late transfers (Decree 20, Art. 9: within 5 working days) are recorded in the history and
-- counted per unit by the triage watch for `routing_late_transfers{unit}`: this keeps the count
-- to the few rows it reads.
CREATE INDEX routing_history_late_transfers ON routing_history (from_unit)
    WHERE action = 'late_transfer';
