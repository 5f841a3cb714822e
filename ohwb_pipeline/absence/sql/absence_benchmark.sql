-- The NHS-compatible benchmark table: official columns, an 'All staff groups' row per organisation,
-- the rate rounded to 2 dp half to even, as NHS England rounds it (31 / 992 days = 3.125% is published
-- as 3.12, 51 / 2400 = 2.125% as 2.12), and lost, available and rate all suppressed where FTE days available <= 330.
-- Only complete organisation-months get figures (org_figures, from their one source); every other one
-- in org_month_status gets one 'All staff groups' row with null figures and its data_status. Names,
-- ICB and region are org_month_status's: as the publication states them that month, else the reference.
-- Needs the temp table org_figures (figures.py) on the same connection.
WITH status AS (
    SELECT *
    FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
figures AS (
    SELECT period, org_code, staff_group, fte_days_lost, fte_days_available
    FROM org_figures
    WHERE period BETWEEN $first AND $last
    UNION ALL
    SELECT period, org_code, 'All staff groups', NULL, NULL
    FROM status
    WHERE data_status <> 'complete'
)
SELECT
    f.period,
    last_day(CAST(f.period || '-01' AS DATE)) AS "DATE",
    s.region_code AS NHSE_REGION_CODE,
    s.region_name AS NHSE_REGION_NAME,
    s.icb_code AS ICB_CODE,
    s.icb_name AS ICB_NAME,
    f.org_code AS ORG_CODE,
    s.org_name AS ORG_NAME,
    f.staff_group AS STAFF_GROUP,
    CAST(CASE WHEN f.fte_days_available > 330 THEN f.fte_days_lost END AS DOUBLE) AS FTE_DAYS_LOST,
    CAST(CASE WHEN f.fte_days_available > 330 THEN f.fte_days_available END AS DOUBLE) AS FTE_DAYS_AVAILABLE,
    CAST(CASE WHEN f.fte_days_available > 330 THEN round_even(f.fte_days_lost / f.fte_days_available * 100, 2) END AS DOUBLE)
        AS SICKNESS_ABSENCE_RATE_PERCENT,
    s.data_status,
    s.source
FROM figures AS f
JOIN status AS s USING (period, org_code)
ORDER BY f.period, ORG_CODE, STAFF_GROUP
