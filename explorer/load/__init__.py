"""Load: read the data files, check them against the contract, report what was set aside."""
