-- Each complete organisation-month's FTE days lost and available by staff group (and 'All staff
-- groups'), from its one source (org_month_status.source): the trust's ESR facts, or NHS England's
-- published rows. Published staff groups are read through staff_group_aliases, so a series continues
-- across the publisher's renames. Figures are not yet suppressed: the tables that publish them do that.
WITH status AS (
    SELECT period, org_code, source
    FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last AND data_status = 'complete'
),
esr AS (
    SELECT period, org_code FROM status WHERE source = 'esr_extract'
),
lost AS (
    SELECT period, org_code, coalesce(staff_group, 'All staff groups') AS staff_group, sum(fte_days_lost) AS fte_days_lost
    FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    SEMI JOIN esr USING (period, org_code)
    WHERE period BETWEEN $first AND $last
    GROUP BY GROUPING SETS ((period, org_code, staff_group), (period, org_code))
),
available AS (
    SELECT period, org_code, staff_group, fte_days_available
    FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    SEMI JOIN esr USING (period, org_code)
    WHERE period BETWEEN $first AND $last
)
-- Both ESR files accepted: no episode for a group means no day lost, so 0 is a true figure here.
SELECT period, org_code, staff_group, 'esr_extract' AS source,
       coalesce(lost.fte_days_lost, 0) AS fte_days_lost, available.fte_days_available
FROM available FULL OUTER JOIN lost USING (period, org_code, staff_group)
UNION ALL
SELECT p.period, p.org_code, coalesce(a.staff_group, p.staff_group), 'nhs_published_rates',
       p.fte_days_lost, p.fte_days_available
FROM read_parquet($published_rates, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS p
SEMI JOIN (SELECT period, org_code FROM status WHERE source = 'nhs_published_rates') AS s USING (period, org_code)
LEFT JOIN read_parquet($staff_group_aliases) AS a ON a.alias = p.staff_group
WHERE p.period BETWEEN $first AND $last
