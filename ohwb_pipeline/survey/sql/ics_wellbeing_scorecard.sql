-- Each ICB's (and England's) survey indicators next to its absence indicators for the financial
-- year that starts in the April of the survey year (the survey is fielded that autumn):
-- S10 mental health absence with q11c work stress, MSK absence with q11b, turnover with q26a.
-- Absence rates are summed over the financial year's months from the published ics_indicators;
-- turnover is the 12-month value at March, so it is null until the year is complete.
WITH survey AS (
    SELECT
        CAST(year AS VARCHAR) AS year,
        level,
        area_code,
        area_name,
        max(pct) FILTER (WHERE question_id = 'q11c') AS work_stress_pct,
        max(pct_weighted) FILTER (WHERE question_id = 'q11c') AS work_stress_pct_weighted,
        max(pct) FILTER (WHERE question_id = 'q11b') AS msk_from_work_pct,
        max(pct_weighted) FILTER (WHERE question_id = 'q11b') AS msk_from_work_pct_weighted,
        max(pct) FILTER (WHERE question_id = 'q26a') AS thinking_of_leaving_pct,
        max(pct_weighted) FILTER (WHERE question_id = 'q26a') AS thinking_of_leaving_pct_weighted
    FROM read_parquet($survey_indicators, hive_partitioning = true, hive_types = {'year': VARCHAR})
    WHERE staff_group = 'All staff groups' AND level IN ('icb', 'england') AND year BETWEEN $first AND $last
    GROUP BY ALL
),
absence AS (
    SELECT
        CAST(CAST(substr(period, 1, 4) AS INTEGER) - (CAST(substr(period, 6, 2) AS INTEGER) < 4)::INTEGER
            AS VARCHAR) AS year,
        *
    FROM ics_rows  -- published ics_indicators (period as text), registered by the asset
    WHERE level IN ('icb', 'england')
),
financial_year AS (
    SELECT
        year,
        level,
        area_code,
        count(DISTINCT period) AS absence_months,
        100 * sum(numerator) FILTER (WHERE indicator = 'sickness_absence_rate')
            / sum(denominator) FILTER (WHERE indicator = 'sickness_absence_rate') AS sickness_absence_rate,
        100 * sum(numerator) FILTER (WHERE indicator = 'mental_health_rate')
            / sum(denominator) FILTER (WHERE indicator = 'mental_health_rate') AS mental_health_absence_rate,
        100 * sum(numerator) FILTER (WHERE indicator = 'msk_rate')
            / sum(denominator) FILTER (WHERE indicator = 'msk_rate') AS msk_absence_rate,
        max(value) FILTER (WHERE indicator = 'turnover_12m' AND substr(period, 6, 2) = '03') AS turnover_12m
    FROM absence
    WHERE year BETWEEN $first AND $last
    GROUP BY ALL
)
SELECT
    s.year,
    s.level,
    s.area_code,
    s.area_name,
    s.year || '/' || right(CAST(CAST(s.year AS INTEGER) + 1 AS VARCHAR), 2) AS financial_year,
    CAST(coalesce(f.absence_months, 0) AS BIGINT) AS absence_months,
    CAST(round(f.sickness_absence_rate, 2) AS DOUBLE) AS sickness_absence_rate,
    CAST(round(f.mental_health_absence_rate, 2) AS DOUBLE) AS mental_health_absence_rate,
    s.work_stress_pct,
    s.work_stress_pct_weighted,
    CAST(round(f.msk_absence_rate, 2) AS DOUBLE) AS msk_absence_rate,
    s.msk_from_work_pct,
    s.msk_from_work_pct_weighted,
    CAST(round(f.turnover_12m, 2) AS DOUBLE) AS turnover_12m,
    s.thinking_of_leaving_pct,
    s.thinking_of_leaving_pct_weighted
FROM survey AS s
LEFT JOIN financial_year AS f USING (year, level, area_code)
ORDER BY s.year, s.level DESC, s.area_code
