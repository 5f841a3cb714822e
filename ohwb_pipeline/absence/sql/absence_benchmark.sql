-- The NHS-compatible benchmark table: official columns, an 'All staff groups' row per organisation,
-- the rate rounded to 2 dp, and lost, available and rate all suppressed where FTE days available <= 330.
-- Only trust-months whose extracts were both accepted (data_status 'complete') get figures; every other
-- trust in org_month_status gets one 'All staff groups' row with null figures and its data_status.
WITH status AS (
    SELECT period, org_code, data_status
    FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
complete AS (
    SELECT period, org_code FROM status WHERE data_status = 'complete'
),
lost AS (
    SELECT period, org_code, coalesce(staff_group, 'All staff groups') AS staff_group, sum(fte_days_lost) AS fte_days_lost
    FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    SEMI JOIN complete USING (period, org_code)
    WHERE period BETWEEN $first AND $last
    GROUP BY GROUPING SETS ((period, org_code, staff_group), (period, org_code))
),
available AS (
    SELECT period, org_code, staff_group, fte_days_available
    FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    SEMI JOIN complete USING (period, org_code)
    WHERE period BETWEEN $first AND $last
),
published AS (
    -- Both files accepted: no episode for a group means no day lost, so 0 is a true figure here.
    SELECT period, org_code, staff_group, coalesce(lost.fte_days_lost, 0) AS fte_days_lost,
           available.fte_days_available, 'complete' AS data_status
    FROM available FULL OUTER JOIN lost USING (period, org_code, staff_group)
    UNION ALL
    SELECT period, org_code, 'All staff groups', NULL, NULL, data_status
    FROM status
    WHERE data_status <> 'complete'
)
SELECT
    j.period,
    last_day(CAST(j.period || '-01' AS DATE)) AS "DATE",
    i.region_code AS NHSE_REGION_CODE,
    i.region_name AS NHSE_REGION_NAME,
    o.icb_code AS ICB_CODE,
    i.icb_name AS ICB_NAME,
    j.org_code AS ORG_CODE,
    o.org_name AS ORG_NAME,
    j.staff_group AS STAFF_GROUP,
    CAST(CASE WHEN j.fte_days_available > 330 THEN j.fte_days_lost END AS DOUBLE) AS FTE_DAYS_LOST,
    CAST(CASE WHEN j.fte_days_available > 330 THEN j.fte_days_available END AS DOUBLE) AS FTE_DAYS_AVAILABLE,
    CAST(CASE WHEN j.fte_days_available > 330 THEN round(j.fte_days_lost / j.fte_days_available * 100, 2) END AS DOUBLE)
        AS SICKNESS_ABSENCE_RATE_PERCENT,
    j.data_status
FROM published AS j
JOIN read_parquet($organisations) AS o USING (org_code)
JOIN read_parquet($icbs) AS i ON i.icb_code = o.icb_code
ORDER BY j.period, ORG_CODE, STAFF_GROUP
