-- Investment, savings and ROI of all interventions per ICB (host ICB of a trust's intervention) x
-- financial year x method. Interventions whose evaluation windows are incomplete are counted but left
-- out of the money.
SELECT
    financial_year,
    home_icb AS icb_code,
    i.icb_name,
    method,
    count(*) AS interventions,
    count(*) FILTER (WHERE status = 'incomplete') AS interventions_incomplete,
    CAST(sum(cost_gbp) FILTER (WHERE status = 'ok') AS DOUBLE) AS total_cost_gbp,
    CAST(sum(absence_days_avoided) FILTER (WHERE status = 'ok') AS DOUBLE) AS absence_days_avoided,
    CAST(sum(total_savings_low) FILTER (WHERE status = 'ok') AS DOUBLE) AS total_savings_low,
    CAST(sum(total_savings_central) FILTER (WHERE status = 'ok') AS DOUBLE) AS total_savings_central,
    CAST(sum(total_savings_high) FILTER (WHERE status = 'ok') AS DOUBLE) AS total_savings_high,
    CAST(sum(total_savings_low) FILTER (WHERE status = 'ok') / sum(cost_gbp) FILTER (WHERE status = 'ok') AS DOUBLE)
        AS roi_ratio_low,
    CAST(sum(total_savings_central) FILTER (WHERE status = 'ok') / sum(cost_gbp) FILTER (WHERE status = 'ok')
        AS DOUBLE) AS roi_ratio_central,
    CAST(sum(total_savings_high) FILTER (WHERE status = 'ok') / sum(cost_gbp) FILTER (WHERE status = 'ok') AS DOUBLE)
        AS roi_ratio_high,
    CAST(sum(total_savings_central - cost_gbp) FILTER (WHERE status = 'ok') AS DOUBLE) AS net_benefit_central
FROM read_parquet($intervention_roi, hive_partitioning = true, hive_types = {'financial_year': VARCHAR})
JOIN read_parquet($icbs) AS i ON i.icb_code = home_icb
GROUP BY ALL
ORDER BY financial_year, icb_code, method
