"""The form, the catalogue of findings, the return model, tolerant values and the campaign config: what every stage shares."""
