"""The proof-of-work comparison: workload, measurement, model at real parameters, tax, report."""
