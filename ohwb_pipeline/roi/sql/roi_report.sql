-- One line per intervention and financial year: the measured DiD ROI next to what was reported.
SELECT
    financial_year AS fy,
    intervention_id,
    status,
    round(absence_days_avoided, 0) AS days_avoided,
    round(cost_gbp, 0) AS cost_gbp,
    round(roi_ratio_central, 2) AS roi_central,
    round(roi_ratio_low, 2) || ' to ' || round(roi_ratio_high, 2) AS roi_low_to_high,
    round(roi_from_reported_savings, 2) AS roi_from_reported_savings,
    reported_roi,
    round(attendance_rate * 100, 0) AS attendance_pct,
    cost_basis
FROM read_parquet($roi, hive_partitioning = true, hive_types = {'financial_year': VARCHAR})
WHERE method = 'difference_in_differences'
ORDER BY intervention_id, fy
