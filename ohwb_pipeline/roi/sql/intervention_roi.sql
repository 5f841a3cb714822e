-- Return on investment per intervention x financial year (April to March) x method.
--
-- Months are indexed as year * 12 + month - 1, so the financial year of month m is (m - 3) // 12.
-- Baseline: the 12 months before the intervention starts. Evaluation: the financial year's months
-- from the start (and up to end_month). Rates are target-reason FTE days lost / FTE days available.
--   before_after              = (baseline rate - evaluation rate) x evaluation FTE days available
--   difference_in_differences = the same, less the comparator's change over the same windows
--   synthetic_control         = the effect estimate.py computed (registered as synthetic_effects)
-- The comparator is the rest of the trust's host ICB, or the rest of England for an ICB-wide one,
-- less trusts in excluded_comparators (treated by another intervention on overlapping reasons and
-- windows; estimate.py registers both relations). A negative effect stays negative: nothing is clamped.
WITH interventions AS (
    SELECT
        i.*,
        coalesce(i.icb_code, o.icb_code) AS home_icb,
        CAST(substr(start_month, 1, 4) AS INTEGER) * 12 + CAST(substr(start_month, 6, 2) AS INTEGER) - 1 AS start_idx,
        CAST(substr(end_month, 1, 4) AS INTEGER) * 12 + CAST(substr(end_month, 6, 2) AS INTEGER) - 1 AS end_idx
    FROM read_parquet($interventions) AS i
    LEFT JOIN read_parquet($organisations) AS o ON o.org_code = i.org_code
),
targets AS (
    SELECT intervention_id, unnest(string_split(target_reason_codes, ';')) AS reason_code FROM interventions
),
available AS (
    SELECT
        org_code,
        period,
        CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1 AS month_idx,
        fte_days_available
    FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE staff_group = 'All staff groups'
),
membership AS (
    -- Trusts that submit at all (any month of facts); the treated ones and their comparators.
    SELECT
        i.intervention_id,
        o.org_code,
        CASE WHEN i.org_code IS NOT NULL THEN o.org_code = i.org_code ELSE o.icb_code = i.home_icb END AS treated
    FROM interventions AS i
    JOIN read_parquet($organisations) AS o ON i.org_code IS NULL OR o.icb_code = i.home_icb
    WHERE o.org_code IN (SELECT DISTINCT org_code FROM available)
      AND NOT EXISTS (
          SELECT 1 FROM excluded_comparators AS x
          WHERE x.intervention_id = i.intervention_id AND x.org_code = o.org_code
      )
),
target_lost AS (
    SELECT t.intervention_id, f.org_code, f.period, sum(f.fte_days_lost) AS lost
    FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS f
    JOIN targets AS t USING (reason_code)
    GROUP BY ALL
),
years AS (
    SELECT
        i.intervention_id,
        unnest(range(
            (i.start_idx - 3) // 12,
            (least(coalesce(i.end_idx, m.last_idx), m.last_idx) - 3) // 12 + 1
        )) AS fy
    FROM interventions AS i, (SELECT max(month_idx) AS last_idx FROM available) AS m
),
windows AS (
    SELECT
        y.intervention_id,
        y.fy,
        i.start_idx - 12 AS base_first,
        i.start_idx - 1 AS base_last,
        greatest(i.start_idx, y.fy * 12 + 3) AS eval_first,
        least(coalesce(i.end_idx, y.fy * 12 + 14), y.fy * 12 + 14) AS eval_last
    FROM years AS y
    JOIN interventions AS i USING (intervention_id)
),
cells AS (
    SELECT
        w.intervention_id,
        w.fy,
        m.treated,
        count(DISTINCT m.org_code) AS orgs,
        sum(a.fte_days_available) FILTER (WHERE a.month_idx BETWEEN w.base_first AND w.base_last) AS base_available,
        coalesce(sum(l.lost) FILTER (WHERE a.month_idx BETWEEN w.base_first AND w.base_last), 0) AS base_lost,
        count(*) FILTER (WHERE a.month_idx BETWEEN w.base_first AND w.base_last) AS base_org_months,
        sum(a.fte_days_available) FILTER (WHERE a.month_idx BETWEEN w.eval_first AND w.eval_last) AS eval_available,
        coalesce(sum(l.lost) FILTER (WHERE a.month_idx BETWEEN w.eval_first AND w.eval_last), 0) AS eval_lost,
        count(*) FILTER (WHERE a.month_idx BETWEEN w.eval_first AND w.eval_last) AS eval_org_months
    FROM windows AS w
    JOIN membership AS m USING (intervention_id)
    LEFT JOIN available AS a ON a.org_code = m.org_code
    LEFT JOIN target_lost AS l
        ON l.intervention_id = w.intervention_id AND l.org_code = a.org_code AND l.period = a.period
    GROUP BY ALL
),
estimates AS (
    SELECT
        w.intervention_id,
        w.fy,
        w.eval_last - w.eval_first + 1 AS months_evaluated,
        t.base_lost / t.base_available AS baseline_rate,
        t.eval_lost / t.eval_available AS evaluation_rate,
        c.base_lost / c.base_available AS comparator_baseline_rate,
        c.eval_lost / c.eval_available AS comparator_evaluation_rate,
        t.eval_available AS fte_days_available,
        -- Complete means every treated and comparator trust has facts for every month of both windows.
        coalesce(t.base_org_months = 12 * t.orgs AND t.eval_org_months = (w.eval_last - w.eval_first + 1) * t.orgs,
                 false) AS treated_complete,
        coalesce(c.base_org_months = 12 * c.orgs AND c.eval_org_months = (w.eval_last - w.eval_first + 1) * c.orgs,
                 false) AS comparator_complete
    FROM windows AS w
    LEFT JOIN cells AS t ON t.intervention_id = w.intervention_id AND t.fy = w.fy AND t.treated
    LEFT JOIN cells AS c ON c.intervention_id = w.intervention_id AND c.fy = w.fy AND NOT c.treated
),
by_method AS (
    SELECT e.*, m.method, m.days_avoided, m.complete
    FROM estimates AS e,
    LATERAL (VALUES
        ('before_after',
         (e.baseline_rate - e.evaluation_rate) * e.fte_days_available,
         e.treated_complete),
        ('difference_in_differences',
         ((e.baseline_rate - e.evaluation_rate) - (e.comparator_baseline_rate - e.comparator_evaluation_rate))
            * e.fte_days_available,
         e.treated_complete AND e.comparator_complete)
    ) AS m(method, days_avoided, complete)
    UNION ALL
    SELECT
        e.* REPLACE (
            s.comparator_baseline_rate AS comparator_baseline_rate,
            s.comparator_evaluation_rate AS comparator_evaluation_rate
        ),
        'synthetic_control', s.days_avoided, e.treated_complete AND s.complete
    FROM estimates AS e
    JOIN synthetic_effects AS s ON s.intervention_id = e.intervention_id AND s.fy = e.fy
),
unit AS (
    SELECT
        max(low_gbp) FILTER (WHERE cost_item = 'fte_sickness_day') AS day_low,
        max(central_gbp) FILTER (WHERE cost_item = 'fte_sickness_day') AS day_central,
        max(high_gbp) FILTER (WHERE cost_item = 'fte_sickness_day') AS day_high,
        max(low_gbp) FILTER (WHERE cost_item = 'recruitment_replacement') AS hire_low,
        max(central_gbp) FILTER (WHERE cost_item = 'recruitment_replacement') AS hire_central,
        max(high_gbp) FILTER (WHERE cost_item = 'recruitment_replacement') AS hire_high,
        max(low_gbp) FILTER (WHERE cost_item = 'gp_appointment') AS gp_low,
        max(central_gbp) FILTER (WHERE cost_item = 'gp_appointment') AS gp_central,
        max(high_gbp) FILTER (WHERE cost_item = 'gp_appointment') AS gp_high
    FROM read_parquet($unit_costs)
),
costed AS (
    SELECT
        b.*,
        i.org_code, i.icb_code, i.home_icb, i.name, i.category, i.cost_basis, i.reported_roi,
        i.annual_cost_gbp * b.months_evaluated / 12 AS cost_gbp,
        b.months_evaluated / 12 AS year_fraction,
        CASE WHEN b.complete THEN 'ok' ELSE 'incomplete' END AS status,
        i.appointments_attended / nullif(i.appointments_booked, 0) AS attendance_rate,
        CASE WHEN coalesce(i.reported_absence_savings_gbp, i.reported_retention_savings_gbp,
                           i.reported_gp_savings_gbp) IS NOT NULL
            THEN (coalesce(i.reported_absence_savings_gbp, 0) + coalesce(i.reported_retention_savings_gbp, 0)
                  + coalesce(i.reported_gp_savings_gbp, 0)) * b.months_evaluated / 12
        END AS reported_savings_gbp,
        coalesce(i.staff_retained, 0) * b.months_evaluated / 12 AS staff_retained,
        coalesce(i.gp_visits_avoided, 0) * b.months_evaluated / 12 AS gp_visits_avoided,
        u.*
    FROM by_method AS b
    JOIN interventions AS i USING (intervention_id)
    CROSS JOIN unit AS u
),
savings AS (
    SELECT
        *,
        CASE WHEN complete THEN days_avoided END AS absence_days_avoided,
        CASE WHEN complete THEN days_avoided * day_low END AS absence_at_low,
        CASE WHEN complete THEN days_avoided * day_central END AS absence_savings_central,
        CASE WHEN complete THEN days_avoided * day_high END AS absence_at_high,
        staff_retained * hire_low AS retention_savings_low,
        staff_retained * hire_central AS retention_savings_central,
        staff_retained * hire_high AS retention_savings_high,
        gp_visits_avoided * gp_low AS gp_savings_low,
        gp_visits_avoided * gp_central AS gp_savings_central,
        gp_visits_avoided * gp_high AS gp_savings_high
    FROM costed
),
totals AS (
    SELECT
        *,
        -- With a negative effect, low unit costs give the larger (less negative) saving: low and high
        -- are the bounds of the unit-cost range, so low <= central <= high always holds.
        least(absence_at_low, absence_at_high) AS absence_savings_low,
        greatest(absence_at_low, absence_at_high) AS absence_savings_high,
        least(absence_at_low, absence_at_high) + retention_savings_low + gp_savings_low AS total_savings_low,
        absence_savings_central + retention_savings_central + gp_savings_central AS total_savings_central,
        greatest(absence_at_low, absence_at_high) + retention_savings_high + gp_savings_high AS total_savings_high
    FROM savings
)
SELECT
    CAST(fy AS VARCHAR) || '-' || right(CAST(fy + 1 AS VARCHAR), 2) AS financial_year,
    intervention_id, org_code, icb_code, home_icb, name, category, method, status,
    CAST(months_evaluated AS BIGINT) AS months_evaluated,
    CAST(baseline_rate * 100 AS DOUBLE) AS baseline_rate_percent,
    CAST(evaluation_rate * 100 AS DOUBLE) AS evaluation_rate_percent,
    CAST(comparator_baseline_rate * 100 AS DOUBLE) AS comparator_baseline_rate_percent,
    CAST(comparator_evaluation_rate * 100 AS DOUBLE) AS comparator_evaluation_rate_percent,
    CAST(fte_days_available AS DOUBLE) AS fte_days_available,
    CAST(absence_days_avoided AS DOUBLE) AS absence_days_avoided,
    CAST(absence_savings_low AS DOUBLE) AS absence_savings_low,
    CAST(absence_savings_central AS DOUBLE) AS absence_savings_central,
    CAST(absence_savings_high AS DOUBLE) AS absence_savings_high,
    CAST(retention_savings_low AS DOUBLE) AS retention_savings_low,
    CAST(retention_savings_central AS DOUBLE) AS retention_savings_central,
    CAST(retention_savings_high AS DOUBLE) AS retention_savings_high,
    CAST(gp_savings_low AS DOUBLE) AS gp_savings_low,
    CAST(gp_savings_central AS DOUBLE) AS gp_savings_central,
    CAST(gp_savings_high AS DOUBLE) AS gp_savings_high,
    CAST(total_savings_low AS DOUBLE) AS total_savings_low,
    CAST(total_savings_central AS DOUBLE) AS total_savings_central,
    CAST(total_savings_high AS DOUBLE) AS total_savings_high,
    CAST(cost_gbp AS DOUBLE) AS cost_gbp,
    CAST(total_savings_low / cost_gbp AS DOUBLE) AS roi_ratio_low,
    CAST(total_savings_central / cost_gbp AS DOUBLE) AS roi_ratio_central,
    CAST(total_savings_high / cost_gbp AS DOUBLE) AS roi_ratio_high,
    CAST(total_savings_low - cost_gbp AS DOUBLE) AS net_benefit_low,
    CAST(total_savings_central - cost_gbp AS DOUBLE) AS net_benefit_central,
    CAST(total_savings_high - cost_gbp AS DOUBLE) AS net_benefit_high,
    CAST(reported_savings_gbp AS DOUBLE) AS reported_savings_gbp,
    CAST(reported_savings_gbp / cost_gbp AS DOUBLE) AS roi_from_reported_savings,
    CAST(reported_roi AS DOUBLE) AS reported_roi,
    CAST(attendance_rate AS DOUBLE) AS attendance_rate,
    cost_basis,
    $unit_cost_version AS unit_cost_version
FROM totals
ORDER BY financial_year, intervention_id, method
