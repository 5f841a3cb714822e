-- Counts per year x level (org, icb, region, england) x area x staff group (and All staff groups)
-- x question: n_valid answers, and n_indicator answers in the question's indicator codes.
-- Blank answers are not valid answers (UNPIVOT drops NULLs). Suppression and weighting happen later.
WITH answers AS (
    UNPIVOT (
        SELECT * EXCLUDE (respondent_key)
        FROM read_parquet($responses, hive_partitioning = true, hive_types = {'year': VARCHAR})
        WHERE year = $year
    )
    ON COLUMNS(* EXCLUDE (year, org_code, staff_group))
    INTO NAME question_id VALUE code
),
questions AS (
    SELECT question_id, CAST(string_split(indicator_codes, ';') AS BIGINT[]) AS indicator_codes
    FROM read_parquet($survey_questions)
),
org_cells AS (
    SELECT
        a.org_code,
        o.icb_code,
        i.region_code,
        a.staff_group,
        a.question_id,
        count(*) AS n_valid,
        count(*) FILTER (WHERE list_contains(q.indicator_codes, a.code)) AS n_indicator
    FROM answers AS a
    JOIN questions AS q USING (question_id)
    JOIN read_parquet($organisations) AS o ON o.org_code = a.org_code
    JOIN read_parquet($icbs) AS i ON i.icb_code = o.icb_code
    GROUP BY ALL
)
SELECT
    CASE
        WHEN GROUPING(org_code) = 0 THEN 'org'
        WHEN GROUPING(icb_code) = 0 THEN 'icb'
        WHEN GROUPING(region_code) = 0 THEN 'region'
        ELSE 'england'
    END AS level,
    coalesce(org_code, icb_code, region_code, 'E92000001') AS area_code,
    CASE
        WHEN GROUPING(org_code) = 0 THEN icb_code
        WHEN GROUPING(icb_code) = 0 THEN region_code
        WHEN GROUPING(region_code) = 0 THEN 'E92000001'
    END AS parent_code,
    CASE WHEN GROUPING(staff_group) = 0 THEN staff_group ELSE 'All staff groups' END AS staff_group,
    question_id,
    CAST(sum(n_valid) AS BIGINT) AS n_valid,
    CAST(sum(n_indicator) AS BIGINT) AS n_indicator
FROM org_cells
GROUP BY GROUPING SETS (
    (question_id, org_code, icb_code, region_code, staff_group),
    (question_id, org_code, icb_code, region_code),
    (question_id, icb_code, region_code, staff_group),
    (question_id, icb_code, region_code),
    (question_id, region_code, staff_group),
    (question_id, region_code),
    (question_id, staff_group),
    (question_id)
)
ORDER BY question_id, level, area_code, staff_group
