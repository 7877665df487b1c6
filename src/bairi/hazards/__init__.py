"""The major-hazard register: each hazard followed across months until it is rectified."""
