-- ICS indicators in long format: one row per level (icb, region, england) x area x month x indicator x
-- source. Facts are read from $lookback (12 months before the window) so rolling and year-on-year
-- values are right for the first months of a window; only the window's months are returned.
-- source 'organisations': summed over the area's complete organisations (org_figures, from each one's
-- own source). source 'nhs_published_national': England's totals as NHS England publishes them (the
-- "by reason and staff group" file), beside the pipeline's own England value, which stays computed from
-- the organisations so the two can be compared (difference_from_publisher).
-- Needs the temp tables org_figures, org_weights and area_coverage on the same connection.
WITH esr_reasons AS (
    SELECT
        period,
        org_code,
        sum(f.fte_days_lost) FILTER (WHERE r.reason_group = 'mental_health') AS mental_health,
        sum(f.fte_days_lost) FILTER (WHERE r.reason_group = 'musculoskeletal') AS msk,
        sum(f.long_term_fte_days_lost) AS long_term
    FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS f
    JOIN read_parquet($absence_reasons) AS r USING (reason_code)
    WHERE period BETWEEN $lookback AND $last
    GROUP BY ALL
),
org_month AS (
    -- Organisations whose figures are withheld (data_status <> 'complete') stay in with null figures,
    -- so every area exists every month, and sums leave them out rather than counting them as zero. An
    -- organisation from NHS England's published rates has days lost and available only: its reasons,
    -- headcount and leavers are unknown (null), and the area's values that need them are withheld.
    SELECT
        s.period,
        s.icb_key,
        s.region_key,
        s.england_key,
        s.included,
        s.included AND s.source = 'nhs_published_rates' AS from_published_rates,
        g.fte_days_available,
        g.fte_days_lost AS lost,
        w.headcount,
        w.leavers,
        CASE WHEN s.included AND s.source = 'esr_extract' THEN coalesce(a.mental_health, 0) END AS mental_health,
        CASE WHEN s.included AND s.source = 'esr_extract' THEN coalesce(a.msk, 0) END AS msk,
        CASE WHEN s.included AND s.source = 'esr_extract' THEN coalesce(a.long_term, 0) END AS long_term
    FROM org_weights AS s
    LEFT JOIN org_figures AS g
        ON s.included AND g.staff_group = 'All staff groups' AND g.period = s.period AND g.org_code = s.org_code
    LEFT JOIN read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS w
        ON s.included AND s.source = 'esr_extract' AND w.staff_group = 'All staff groups'
       AND w.period = s.period AND w.org_code = s.org_code
    LEFT JOIN esr_reasons AS a
        ON s.included AND s.source = 'esr_extract' AND a.period = s.period AND a.org_code = s.org_code
    WHERE s.period BETWEEN $lookback AND $last
),
levels AS (
    SELECT
        period,
        CASE WHEN GROUPING(icb_key) = 0 THEN 'icb' WHEN GROUPING(region_key) = 0 THEN 'region' ELSE 'england' END
            AS level,
        coalesce(icb_key, region_key, england_key) AS area_code,
        'organisations' AS source,
        count(*) FILTER (WHERE from_published_rates) AS orgs_without_detail,
        sum(lost) AS lost,
        sum(mental_health) AS mental_health,
        sum(msk) AS msk,
        sum(long_term) AS long_term,
        sum(fte_days_available) AS available,
        sum(headcount) AS headcount,
        sum(leavers) AS leavers
    FROM org_month
    GROUP BY GROUPING SETS ((period, icb_key), (period, region_key), (period, england_key))
    -- An organisation left out of a level (its key is null) forms no area of that level.
    HAVING coalesce(icb_key, region_key, england_key) IS NOT NULL
),
national AS (
    -- NHS England's own England totals: all staff groups, all reasons and the reason groups.
    SELECT
        n.period,
        'england' AS level,
        'E92000001' AS area_code,
        'nhs_published_national' AS source,
        0 AS orgs_without_detail,
        sum(n.fte_days_lost) FILTER (WHERE n.absence_reason = 'ALL REASONS') AS lost,
        sum(n.fte_days_lost) FILTER (WHERE r.reason_group = 'mental_health') AS mental_health,
        sum(n.fte_days_lost) FILTER (WHERE r.reason_group = 'musculoskeletal') AS msk,
        NULL AS long_term,
        sum(n.fte_days_available) FILTER (WHERE n.absence_reason = 'ALL REASONS') AS available,
        NULL AS headcount,
        NULL AS leavers
    FROM read_parquet($published_reasons, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS n
    LEFT JOIN read_parquet($absence_reasons) AS r ON r.reason_code = substr(n.absence_reason, 1, 3)
    WHERE n.period BETWEEN $lookback AND $last AND n.staff_group = 'All staff groups'
    GROUP BY n.period
),
areas AS (
    SELECT
        *,
        day(last_day(CAST(period || '-01' AS DATE))) AS days_in_month,
        CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) AS month_index
    FROM (SELECT * FROM levels UNION ALL BY NAME SELECT * FROM national)
),
long AS (
    SELECT
        a.period, a.level, a.area_code, a.source, a.month_index, m.indicator, m.scale,
        -- Withheld, never made up: a value that needs what an included organisation's source lacks.
        CASE
            WHEN a.source = 'nhs_published_national' AND m.indicator NOT IN ('sickness_absence_rate', 'mental_health_rate', 'msk_rate', 'fte')
                THEN $no_national_detail
            WHEN m.needs_detail AND a.orgs_without_detail > 0
                THEN a.orgs_without_detail || ' of the included organisations are from NHS England''s published '
                    || 'rates, which give no ' || m.detail
        END AS withheld_reason,
        m.numerator,
        m.denominator
    FROM areas AS a,
    LATERAL (VALUES
        ('sickness_absence_rate', a.lost, a.available, 100.0, false, NULL),
        ('mental_health_rate', a.mental_health, a.available, 100.0, true, 'reasons'),
        ('msk_rate', a.msk, a.available, 100.0, true, 'reasons'),
        ('long_term_share', a.long_term, a.lost, 100.0, true, 'episode lengths'),
        ('fte', a.available, a.days_in_month, 1.0, false, NULL),
        ('headcount', a.headcount, 1, 1.0, true, 'headcounts'),
        ('leavers', a.leavers, 1, 1.0, true, 'leavers')
    ) AS m(indicator, numerator, denominator, scale, needs_detail, detail)
),
shown AS (
    SELECT
        * REPLACE (
            CASE WHEN withheld_reason IS NULL THEN numerator END AS numerator,
            CASE WHEN withheld_reason IS NULL THEN denominator END AS denominator
        )
    FROM long
),
rolled AS (
    SELECT
        *,
        numerator / nullif(denominator, 0) * scale AS value,
        sum(numerator) OVER last_12 AS numerator_12m,
        sum(denominator) OVER last_12 AS denominator_12m,
        -- A month withheld anywhere in the 12 withholds the rolling value too.
        count(*) FILTER (WHERE withheld_reason IS NULL) OVER last_12 AS months_12m,
        count(*) OVER last_12 AS rows_12m
    FROM shown
    WINDOW last_12 AS (
        PARTITION BY level, area_code, source, indicator ORDER BY month_index RANGE BETWEEN 11 PRECEDING AND CURRENT ROW
    )
),
turnover AS (
    -- Turnover (12-month) = leavers in the 12 months / average headcount over those months x 100;
    -- withheld when leavers or headcount are withheld in any of the 12 months.
    SELECT
        l.period, l.level, l.area_code, l.source, l.month_index, 'turnover_12m' AS indicator, 100.0 AS scale,
        coalesce(l.withheld_reason, h.withheld_reason, CASE WHEN l.months_12m < l.rows_12m OR h.months_12m < h.rows_12m
            THEN 'leavers or headcount are withheld in a month of the 12' END) AS withheld_reason,
        l.numerator_12m AS numerator,
        h.numerator_12m / 12 AS denominator,
        CASE WHEN l.months_12m = 12 AND h.months_12m = 12 THEN l.numerator_12m / nullif(h.numerator_12m / 12, 0) * 100 END
            AS value
    FROM rolled AS l
    JOIN rolled AS h USING (period, level, area_code, source)
    WHERE l.indicator = 'leavers' AND h.indicator = 'headcount'
),
measures AS (
    SELECT
        period, level, area_code, source, month_index, indicator, withheld_reason, numerator, denominator, value,
        CASE
            WHEN months_12m < 12 THEN NULL
            WHEN indicator = 'leavers' THEN numerator_12m
            ELSE numerator_12m / nullif(denominator_12m, 0) * scale
        END AS rolling_12m_value
    FROM rolled
    UNION ALL
    SELECT
        period, level, area_code, source, month_index, indicator, withheld_reason,
        CASE WHEN withheld_reason IS NULL THEN numerator END,
        CASE WHEN withheld_reason IS NULL THEN denominator END,
        CASE WHEN withheld_reason IS NULL THEN value END,
        CASE WHEN withheld_reason IS NULL THEN value END
    FROM turnover
),
compared AS (
    SELECT
        *,
        value - first(value) OVER (
            PARTITION BY level, area_code, source, indicator ORDER BY month_index RANGE BETWEEN 12 PRECEDING AND 12 PRECEDING
        ) AS change_on_last_year
    FROM measures
),
publisher AS (
    SELECT period, indicator, value AS publisher_value
    FROM compared
    WHERE source = 'nhs_published_national' AND value IS NOT NULL
)
SELECT
    c.period,
    c.level,
    c.area_code,
    coalesce(i.icb_short_name, rg.region_name, 'England') AS area_name,
    coalesce(i.region_code, CASE WHEN c.level = 'region' THEN 'E92000001' END) AS parent_code,
    c.indicator,
    c.source,
    CAST(c.numerator AS DOUBLE) AS numerator,
    CAST(c.denominator AS DOUBLE) AS denominator,
    CAST(c.value AS DOUBLE) AS value,
    CAST(c.rolling_12m_value AS DOUBLE) AS rolling_12m_value,
    CAST(c.change_on_last_year AS DOUBLE) AS change_on_last_year,
    CASE WHEN c.level = 'icb' AND c.value IS NOT NULL THEN
        rank() OVER (PARTITION BY c.period, c.level, c.source, c.indicator ORDER BY c.value NULLS LAST)
    END AS rank_among_icbs,
    CASE WHEN c.source = 'organisations' THEN CAST(c.value - p.publisher_value AS DOUBLE) END
        AS difference_from_publisher,
    c.withheld_reason,
    v.orgs_expected,
    v.orgs_included,
    v.coverage_percent
FROM compared AS c
LEFT JOIN area_coverage AS v ON c.source = 'organisations' AND v.period = c.period AND v.level = c.level
    AND v.area_code = c.area_code
LEFT JOIN publisher AS p ON c.level = 'england' AND p.period = c.period AND p.indicator = c.indicator
LEFT JOIN read_parquet($icbs) AS i ON c.level = 'icb' AND i.icb_code = c.area_code
LEFT JOIN (SELECT DISTINCT region_code, region_name FROM read_parquet($icbs)) AS rg
    ON c.level = 'region' AND rg.region_code = c.area_code
WHERE c.period BETWEEN $first AND $last
ORDER BY c.period, c.level, c.area_code, c.indicator, c.source
