-- One line per intervention and financial year: the measured DiD effect with its 95% interval, the
-- verdict, and the ROI with its interval at central unit costs, next to what was reported.
SELECT
    financial_year AS fy,
    intervention_id,
    round(effect_percent, 1) AS effect_pct,
    CASE WHEN effect_percent_ci_low IS NULL THEN 'unknown'
         ELSE round(effect_percent_ci_low, 1) || ' to ' || round(effect_percent_ci_high, 1) END AS effect_95ci,
    round(p_value, 3) AS p,
    verdict,
    round(mde_percent, 1) AS mde_pct,
    round(absence_days_avoided, 0) AS days_avoided,
    round(roi_ratio_central, 2) AS roi_central,
    CASE WHEN roi_ratio_ci_low IS NULL THEN 'unknown'
         ELSE round(roi_ratio_ci_low, 2) || ' to ' || round(roi_ratio_ci_high, 2) END AS roi_95ci,
    round(roi_from_reported_savings, 2) AS roi_reported_savings,
    reported_roi
FROM read_parquet($roi, hive_partitioning = true, hive_types = {'financial_year': VARCHAR})
WHERE method = 'difference_in_differences'
ORDER BY intervention_id, fy
