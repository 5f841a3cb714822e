-- The published survey_indicators rows for one year, from the counted and suppression-flagged
-- `cells`. Suppressed cells publish no numbers. pct_weighted (All staff groups rows only) weights
-- each staff group's published pct by the area's staff in post in that group (`weights`, headcount
-- per org x staff group in the weighting month). Groups whose cell is suppressed are left out and the
-- weights renormalised, so the weighted value is a function of published cells only and cannot be
-- used to recover a suppressed one; weight_coverage says how much of the staff it covers.
WITH staff AS (
    SELECT w.org_code, o.icb_code, i.region_code, w.staff_group, w.headcount
    FROM weights AS w
    JOIN read_parquet($organisations) AS o ON o.org_code = w.org_code
    JOIN read_parquet($icbs) AS i ON i.icb_code = o.icb_code
    WHERE w.staff_group <> 'All staff groups'
),
area_staff AS (
    SELECT level, area_code, staff_group, sum(headcount) AS headcount
    FROM (
        SELECT 'org' AS level, org_code AS area_code, staff_group, headcount FROM staff
        UNION ALL SELECT 'icb', icb_code, staff_group, headcount FROM staff
        UNION ALL SELECT 'region', region_code, staff_group, headcount FROM staff
        UNION ALL SELECT 'england', 'E92000001', staff_group, headcount FROM staff
    )
    GROUP BY ALL
),
area_total AS (
    SELECT level, area_code, sum(headcount) AS headcount FROM area_staff GROUP BY ALL
),
weighted AS (
    SELECT
        c.level,
        c.area_code,
        c.question_id,
        100.0 * sum(c.n_indicator / c.n_valid * s.headcount) / sum(s.headcount) AS pct_weighted,
        sum(s.headcount) AS covered
    FROM cells AS c
    JOIN area_staff AS s USING (level, area_code, staff_group)
    WHERE NOT c.suppressed AND c.staff_group <> 'All staff groups' AND s.headcount > 0
    GROUP BY ALL
),
names AS (
    SELECT 'org' AS level, org_code AS area_code, org_name AS area_name FROM read_parquet($organisations)
    UNION ALL SELECT 'icb', icb_code, icb_name FROM read_parquet($icbs)
    UNION ALL SELECT DISTINCT 'region', region_code, region_name FROM read_parquet($icbs)
    UNION ALL SELECT 'england', 'E92000001', 'England'
)
SELECT
    $year AS year,
    c.level,
    c.area_code,
    n.area_name,
    c.parent_code,
    c.staff_group,
    c.question_id,
    q.question_text,
    q.theme,
    q.higher_is_better,
    CASE WHEN NOT c.suppressed THEN c.n_valid END AS n_valid,
    CASE WHEN NOT c.suppressed THEN c.n_indicator END AS n_indicator,
    CASE WHEN NOT c.suppressed THEN round(100.0 * c.n_indicator / c.n_valid, 2) END AS pct,
    c.suppressed,
    CASE WHEN NOT c.suppressed AND c.staff_group = 'All staff groups' THEN round(w.pct_weighted, 2) END
        AS pct_weighted,
    CASE WHEN NOT c.suppressed AND c.staff_group = 'All staff groups' THEN round(w.covered / t.headcount, 4) END
        AS weight_coverage,
    CAST($weighting_period AS VARCHAR) AS weighting_period
FROM cells AS c
JOIN names AS n USING (level, area_code)
JOIN read_parquet($survey_questions) AS q USING (question_id)
LEFT JOIN weighted AS w USING (level, area_code, question_id)
LEFT JOIN area_total AS t USING (level, area_code)
ORDER BY c.question_id, c.level, c.area_code, c.staff_group
