"""NHS Occupational Health and Wellbeing metrics pipeline."""
