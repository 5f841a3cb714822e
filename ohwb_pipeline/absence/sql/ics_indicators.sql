-- ICS indicators in long format: one row per level (icb, region, england) x area x month x indicator.
-- Facts are read from $lookback (12 months before the window) so rolling and year-on-year values
-- are right for the first months of a window; only the window's months are returned.
WITH org_month AS (
    -- Trusts whose figures are withheld (data_status <> 'complete') stay in with null figures, so every
    -- area exists every month, and sums leave them out rather than counting them as zero.
    -- Needs the temp tables org_weights and area_coverage (status.py) on the same connection.
    SELECT
        s.period,
        s.org_code,
        s.icb_code,
        s.region_code,
        w.fte_days_available,
        w.headcount,
        w.leavers,
        CASE WHEN s.included THEN coalesce(a.lost, 0) END AS lost,
        CASE WHEN s.included THEN coalesce(a.mental_health, 0) END AS mental_health,
        CASE WHEN s.included THEN coalesce(a.msk, 0) END AS msk,
        CASE WHEN s.included THEN coalesce(a.long_term, 0) END AS long_term
    FROM org_weights AS s
    LEFT JOIN read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS w
        ON s.included AND w.staff_group = 'All staff groups' AND w.period = s.period AND w.org_code = s.org_code
    LEFT JOIN (
        SELECT
            period,
            org_code,
            sum(f.fte_days_lost) AS lost,
            sum(f.fte_days_lost) FILTER (WHERE r.reason_group = 'mental_health') AS mental_health,
            sum(f.fte_days_lost) FILTER (WHERE r.reason_group = 'musculoskeletal') AS msk,
            sum(f.long_term_fte_days_lost) AS long_term
        FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS f
        JOIN read_parquet($absence_reasons) AS r USING (reason_code)
        WHERE period BETWEEN $lookback AND $last
        GROUP BY ALL
    ) AS a ON s.included AND a.period = s.period AND a.org_code = s.org_code
    WHERE s.period BETWEEN $lookback AND $last
),
levels AS (
    SELECT
        period,
        CASE WHEN GROUPING(icb_code) = 0 THEN 'icb' WHEN GROUPING(region_code) = 0 THEN 'region' ELSE 'england' END
            AS level,
        coalesce(icb_code, region_code, 'E92000001') AS area_code,
        sum(lost) AS lost,
        sum(mental_health) AS mental_health,
        sum(msk) AS msk,
        sum(long_term) AS long_term,
        sum(fte_days_available) AS available,
        sum(headcount) AS headcount,
        sum(leavers) AS leavers,
        day(last_day(CAST(period || '-01' AS DATE))) AS days_in_month,
        CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) AS month_index
    FROM org_month
    GROUP BY GROUPING SETS ((period, icb_code), (period, region_code), (period))
),
long AS (
    SELECT period, level, area_code, month_index, m.*
    FROM levels,
    LATERAL (VALUES
        ('sickness_absence_rate', lost, available, 100.0),
        ('mental_health_rate', mental_health, available, 100.0),
        ('msk_rate', msk, available, 100.0),
        ('long_term_share', long_term, lost, 100.0),
        ('fte', available, days_in_month, 1.0),
        ('headcount', headcount, 1, 1.0),
        ('leavers', leavers, 1, 1.0)
    ) AS m(indicator, numerator, denominator, scale)
),
rolled AS (
    SELECT
        *,
        numerator / nullif(denominator, 0) * scale AS value,
        sum(numerator) OVER last_12 AS numerator_12m,
        sum(denominator) OVER last_12 AS denominator_12m,
        count(*) OVER last_12 AS months_12m
    FROM long
    WINDOW last_12 AS (
        PARTITION BY level, area_code, indicator ORDER BY month_index RANGE BETWEEN 11 PRECEDING AND CURRENT ROW
    )
),
turnover AS (
    -- Turnover (12-month) = leavers in the 12 months / average headcount over those months x 100.
    SELECT
        l.period, l.level, l.area_code, l.month_index, 'turnover_12m' AS indicator,
        l.numerator_12m AS numerator,
        h.numerator_12m / 12 AS denominator,
        100.0 AS scale,
        CASE WHEN l.months_12m = 12 THEN l.numerator_12m / nullif(h.numerator_12m / 12, 0) * 100 END AS value,
        l.numerator_12m AS numerator_12m, h.numerator_12m / 12 AS denominator_12m, l.months_12m
    FROM rolled AS l
    JOIN rolled AS h USING (period, level, area_code)
    WHERE l.indicator = 'leavers' AND h.indicator = 'headcount'
),
measures AS (
    SELECT
        period, level, area_code, month_index, indicator, numerator, denominator, value,
        CASE
            WHEN months_12m < 12 THEN NULL
            WHEN indicator = 'leavers' THEN numerator_12m
            ELSE numerator_12m / nullif(denominator_12m, 0) * scale
        END AS rolling_12m_value
    FROM rolled
    UNION ALL
    SELECT period, level, area_code, month_index, indicator, numerator, denominator, value, value
    FROM turnover
),
compared AS (
    SELECT
        *,
        value - first(value) OVER (
            PARTITION BY level, area_code, indicator ORDER BY month_index RANGE BETWEEN 12 PRECEDING AND 12 PRECEDING
        ) AS change_on_last_year
    FROM measures
)
SELECT
    c.period,
    c.level,
    c.area_code,
    coalesce(i.icb_name, rg.region_name, 'England') AS area_name,
    coalesce(i.region_code, CASE WHEN c.level = 'region' THEN 'E92000001' END) AS parent_code,
    c.indicator,
    CAST(c.numerator AS DOUBLE) AS numerator,
    CAST(c.denominator AS DOUBLE) AS denominator,
    CAST(c.value AS DOUBLE) AS value,
    CAST(c.rolling_12m_value AS DOUBLE) AS rolling_12m_value,
    CAST(c.change_on_last_year AS DOUBLE) AS change_on_last_year,
    CASE WHEN c.level = 'icb' AND c.value IS NOT NULL THEN
        rank() OVER (PARTITION BY c.period, c.level, c.indicator ORDER BY c.value NULLS LAST)
    END AS rank_among_icbs,
    v.orgs_expected,
    v.orgs_included,
    v.coverage_percent
FROM compared AS c
JOIN area_coverage AS v USING (period, level, area_code)
LEFT JOIN read_parquet($icbs) AS i ON c.level = 'icb' AND i.icb_code = c.area_code
LEFT JOIN (SELECT DISTINCT region_code, region_name FROM read_parquet($icbs)) AS rg
    ON c.level = 'region' AND rg.region_code = c.area_code
WHERE c.period BETWEEN $first AND $last
ORDER BY c.period, c.level, c.area_code, c.indicator
