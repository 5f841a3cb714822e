-- England All-staff-groups survey indicators by year (pooled and weighted) next to the real national
-- share from the reference file: the national shares of the answer labels that the question's
-- indicator codes stand for. Questions the reference file does not cover show a null national value.
WITH national AS (
    SELECT n.question_id, CAST(n.year AS VARCHAR) AS year, 100 * sum(CAST(n.national_share AS DOUBLE)) AS national_pct
    FROM read_csv($national, all_varchar = true) AS n
    JOIN read_parquet($survey_questions) AS q USING (question_id)
    JOIN read_parquet($survey_scales) AS s ON s.scale = q.scale AND s.label = n.response_label
    WHERE list_contains(string_split(q.indicator_codes, ';'), s.code)
    GROUP BY ALL
)
SELECT
    CAST(i.year AS VARCHAR) AS year,
    i.question_id,
    i.n_valid,
    i.pct AS england_pct,
    i.pct_weighted AS england_pct_weighted,
    round(n.national_pct, 2) AS real_national_pct
FROM read_parquet($survey_indicators, hive_partitioning = true, hive_types = {'year': VARCHAR}) AS i
LEFT JOIN national AS n ON n.question_id = i.question_id AND n.year = CAST(i.year AS VARCHAR)
WHERE i.level = 'england' AND i.staff_group = 'All staff groups' AND i.question_id IN ('q11a', 'q11c', 'q12b')
ORDER BY i.question_id, year
