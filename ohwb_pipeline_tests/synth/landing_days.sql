-- Calendar FTE days per month (and reason) straight from landing CSVs: an independent check of the generator.
WITH rows AS (
    SELECT *, CAST(split_part(filename, '/', -2) || '-01' AS DATE) AS month_start
    FROM read_csv($glob, filename = true, header = true)
)
SELECT
    strftime(month_start, '%Y-%m') AS period,
    reason_code,
    sum(fte * (date_diff('day', greatest(start_date, month_start),
                         least(coalesce(end_date, last_day(month_start)), last_day(month_start))) + 1)) AS days
FROM rows
GROUP BY ALL
